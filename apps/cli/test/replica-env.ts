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

export const BUCKET = "data.binance.vision";

export interface ServedReplica {
  dir: string;
  manifest: ReplicaManifest;
  gw: VersityGw;
  endpoint: string;
  stop(): Promise<void>;
}

export async function serveReplica(options: Omit<ReplicaOptions, "outDir">): Promise<ServedReplica> {
  const dir = mkdtempSync(join(tmpdir(), "lh-replica-"));
  const manifest = await generateReplica({ ...options, outDir: join(dir, BUCKET) });
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

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
