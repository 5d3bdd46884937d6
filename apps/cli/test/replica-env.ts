// A generated archive replica served by a real versitygw, shared by the CLI end-to-end tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateReplica,
  type ReplicaManifest,
  type ReplicaOptions,
  startVersitygw,
  type VersityGw,
} from "@crypto-lakehouse/testkit";
import { afterAll } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";

export const BUCKET = "data.binance.vision";

export interface ServedReplica {
  dir: string;
  manifest: ReplicaManifest;
  gw: VersityGw;
  endpoint: string;
  stop(): Promise<void>;
}

/** `prepare` may change the generated files (the bucket folder) before the server starts and reads them. */
export async function serveReplica(
  options: Omit<ReplicaOptions, "outDir">,
  prepare?: (bucketDir: string, manifest: ReplicaManifest) => Promise<void>,
): Promise<ServedReplica> {
  const dir = mkdtempSync(join(tmpdir(), "lh-replica-"));
  const manifest = await generateReplica({ ...options, outDir: join(dir, BUCKET) });
  await prepare?.(join(dir, BUCKET), manifest);
  const gw = await startVersitygw({ root: dir, buckets: [BUCKET], publicReadBuckets: [BUCKET] });
  return {
    dir,
    manifest,
    gw,
    endpoint: gw.endpoint,
    async stop() {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const created: string[] = [];
// Registered while the importing test file is collected, so it runs after that file's tests: their folders go
// (KEEP_TEST_DIRS=1 keeps them to look at).
afterAll(() => {
  if (process.env.KEEP_TEST_DIRS === "1") return;
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed after the test file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A lakehouse holding one day of BTCUSDT 1h spot klines, collected from a served replica and converted to silver
 * (the `spot_klines` view of `lakehouse sql`). Stop the replica after the tests.
 */
export async function silverKlinesLake(day: string): Promise<{ replica: ServedReplica; lake: string }> {
  const replica = await serveReplica({
    markets: ["spot"],
    dataTypes: ["klines"],
    intervals: ["1h"],
    symbols: { spot: ["BTCUSDT"] },
    start: day,
    end: day,
    quirks: false,
  });
  const lake = tempDir("lh-sql-lake-");
  const sel = selection({
    market: "spot",
    symbols: "BTCUSDT",
    dataTypes: "klines",
    intervals: "1h",
    start: day,
    end: day,
  });
  const c = await lakehouse([
    "collect",
    "--endpoint",
    replica.endpoint,
    ...sel,
    "--output",
    lake,
    "--silver",
    "--json",
  ]);
  if (c.code !== 0) throw new Error(`collect of the test lake failed (exit ${c.code}): ${c.stderr}`);
  return { replica, lake };
}

/**
 * A replica of `count` small spot trades files on 2023-07-01 (symbols SMALL…, `bench: "small"` in the manifest):
 * `--market spot --symbols 'SMALL*' --data-types trades` collects them.
 */
export function serveSmallFiles(count: number, minKb: number, maxKb: number): Promise<ServedReplica> {
  return serveReplica({
    markets: ["spot"],
    dataTypes: ["aggTrades"],
    start: "2023-07-01",
    end: "2023-07-01",
    smallFiles: { count, minKb, maxKb },
  });
}
