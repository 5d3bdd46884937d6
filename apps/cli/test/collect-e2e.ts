// `lakehouse collect` end to end against the archive replica, for any downloader and any lakehouse storage.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { STAGING } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

// Written out from docs/archive.md §3 (not read from the plugins), so the test checks the matrix rather than repeating it.
const FUTURES_TYPES = [
  "aggTrades",
  "bookDepth",
  "bookTicker",
  "fundingRate",
  "indexPriceKlines",
  "klines",
  "markPriceKlines",
  "metrics",
  "premiumIndexKlines",
  "trades",
  "liquidationSnapshot",
];
const MARKET_TYPES: Record<string, string[]> = {
  spot: ["aggTrades", "klines", "trades"],
  futures_um: FUTURES_TYPES,
  futures_cm: FUTURES_TYPES,
  options: ["BVOLIndex", "EOHSummary"],
};
// A range inside every dataset's window (EOHSummary 2023-05-18…10-23, COIN-M liquidations from 2023-06-25,
// bookTicker until 2024-03). The replica holds every daily file and the whole month's monthly files, so the
// run asks for both partitions to cover all of it.
const START = "2023-07-01";
const END = "2023-07-31";

/** bronze/<market>/<type>/<partition>/<symbol>/[<interval>/]<file> for an archive key. */
function bronzeKey(f: {
  market: string;
  dataType: string;
  partition: string;
  symbol: string;
  interval?: string;
  key: string;
}): string {
  return [
    "bronze",
    f.market,
    f.dataType,
    f.partition,
    f.symbol,
    ...(f.interval ? [f.interval] : []),
    f.key.split("/").pop()!,
  ].join("/");
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * Where the suite's lakehouse lives and how the test reads it back on its own (not through the CLI). Keys are
 * relative to the lakehouse root, `/`-separated (`bronze/…`, `_meta/…`).
 */
export interface E2EStorage {
  /** For the suite's title, e.g. `<dir>` or `s3://<bucket>/<prefix>`. */
  name: string;
  /** Starts what the store needs (once, before the suite); returns environment for every CLI run. */
  start?(): Promise<Record<string, string>>;
  stop?(): Promise<void>;
  /** A fresh, empty lakehouse root for `--output` / `output_directory`. */
  output(): string;
  /** Every key under `root` that starts with `prefix`. */
  keys(root: string, prefix: string): Promise<string[]>;
  /** An object's bytes, or undefined when it is not there. */
  read(root: string, key: string): Promise<Buffer | undefined>;
  /** The local folder where runs on `root` make their staging folders (a finished run removes its own). */
  stagingDir(root: string): string;
  /** An output the CLI must refuse before downloading, with the exit code and message it gives. */
  unwritable: { output: string; code: number; stderr: RegExp };
}

/** The lakehouse in a local folder, read back with plain fs calls. */
export const localFolder: E2EStorage = {
  name: "<dir>",
  output: () => tempDir("lh-bronze-"),
  keys: async (root, prefix) => walk(join(root, prefix)).map((p) => relative(root, p)),
  read: async (root, key) => {
    const p = join(root, ...key.split("/"));
    return existsSync(p) ? readFileSync(p) : undefined;
  },
  stagingDir: (root) => join(root, ...STAGING.split("/")),
  // Root can write almost anywhere; /sys refuses new folders even to root.
  unwritable: {
    output: "/sys/lakehouse",
    code: 2,
    stderr: /Permission denied writing to output directory: \/sys\/lakehouse/,
  },
};

/** Runs `fn` on every item, `limit` at a time. */
async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

export interface CollectE2EOptions {
  /** Environment for every CLI run (e.g. S5CMD_PATH), computed when the suite starts. */
  env?: () => Record<string, string>;
  /** Where the lakehouse goes (default: a local folder). */
  storage?: E2EStorage;
}

/**
 * Registers the collect end-to-end cases for one downloader (`--downloader <id>`, `downloader` in config) and one
 * storage (`--output <dir>`, `--output s3://…`).
 */
export function describeCollectE2E(downloader: string, options: CollectE2EOptions = {}): void {
  const storage = options.storage ?? localFolder;
  describe(`lakehouse collect --downloader ${downloader} --output ${storage.name} against the replica`, () => {
    let replica: ServedReplica;
    let env: Record<string, string> = {};
    /** The CLI with this suite's environment; collect and plan get `--downloader`. */
    const cli = (args: string[]): Promise<CliResult> =>
      lakehouse(
        ["collect", "plan"].includes(args[0]!) && !args.includes("--config")
          ? [...args, "--downloader", downloader]
          : args,
        { env },
      );

    beforeAll(async () => {
      env = { ...options.env?.(), ...(await storage.start?.()) };
      replica = await serveReplica({
        start: START,
        end: END,
        intervals: ["1s", "1h", "1d", "1mo"],
        rowsPerFile: 20,
        // One month only: a one-file series may lose its file, so there is a monthly hole beside the daily one.
        holeMinFiles: 1,
      });
    }, 120_000);
    afterAll(async () => {
      await Promise.all([replica?.stop(), storage.stop?.()]);
    });

    it("collects all four markets and every data type: bronze equals the replica, stale checksums and holes reported", async () => {
      const out = storage.output();
      const cfg = join(tempDir("lh-cfg-"), "config.json");
      writeFileSync(
        cfg,
        JSON.stringify({
          markets: Object.keys(MARKET_TYPES),
          symbols: "*",
          data_types: [...new Set(Object.values(MARKET_TYPES).flat())],
          intervals: {
            klines: ["1s", "1h", "1d", "1mo"],
            indexPriceKlines: ["1h", "1d", "1mo"],
            markPriceKlines: ["1h", "1d", "1mo"],
            premiumIndexKlines: ["1h", "1d", "1mo"],
          },
          date_range: { start: START, end: END },
          partitions: "both",
          output_directory: out,
          endpoint: replica.endpoint,
          max_parallel_downloads: 8,
          retries: 1,
          downloader,
        }),
      );
      const r = await cli(["collect", "--config", cfg, "--json"]);
      expect(r.code, r.stderr).toBe(1); // the stale CHECKSUM is a failure the exit code must show
      const summary = JSON.parse(r.stdout);
      expect(summary.output).toBe(out);
      const files = replica.manifest.files;
      const stale = new Set(replica.manifest.stale);
      const good = files.filter((f) => !stale.has(f.key));

      for (const [market, types] of Object.entries(MARKET_TYPES)) {
        for (const t of types) {
          if (market === "futures_um" && t === "liquidationSnapshot") continue; // empty in the archive
          expect(
            good.some((f) => f.market === market && f.dataType === t),
            `${market}/${t} in the replica`,
          ).toBe(true);
        }
      }
      const bronze = new Set(await storage.keys(out, "bronze/"));
      await eachLimit(good, 16, async (f) => {
        const key = bronzeKey(f);
        expect(bronze.has(key), key).toBe(true);
        expect(bronze.has(`${key}.CHECKSUM`), `${key}.CHECKSUM`).toBe(true);
        const bytes = await storage.read(out, key);
        expect(bytes && sha256(bytes), key).toBe(f.sha256);
      });
      expect(summary.counts.downloaded).toBe(good.length);
      expect(summary.counts.checksum_mismatch).toBe(stale.size);
      expect(stale.size).toBeGreaterThan(0);
      for (const key of stale) {
        const failure = summary.failures.find((x: { key: string }) => x.key === key);
        expect(failure?.outcome).toBe("checksum_mismatch");
        expect(failure?.reason).toMatch(/CHECKSUM is stale/);
        expect(bronze.has(bronzeKey(files.find((x) => x.key === key)!))).toBe(false);
      }
      const quarantined = (await storage.keys(out, "_meta/quarantine/")).filter((k) => k.endsWith(".zip"));
      expect(quarantined).toHaveLength(stale.size);
      // A missing day and a missing month, each reported as such.
      const holes = replica.manifest.holes;
      expect(holes.filter((k) => k.includes("/daily/"))).toHaveLength(1);
      expect(holes.filter((k) => k.includes("/monthly/"))).toHaveLength(1);
      for (const key of holes) {
        expect(summary.failures.find((x: { key: string }) => x.key === key)?.outcome, key).toBe("missing");
      }
      expect(summary.counts.missing).toBe(holes.length);
      expect(summary.counts.failed).toBe(0);
      // Nothing partial or unverified under a final name, nothing left in staging.
      expect([...bronze].filter((k) => k.endsWith(".zip"))).toHaveLength(good.length);
      expect((await storage.keys(out, "")).filter((k) => /\.tmp$|\.part$/.test(k))).toEqual([]);
      expect(existsSync(storage.stagingDir(out)), "the runs staged there").toBe(true);
      expect(walk(storage.stagingDir(out))).toEqual([]);
      // Run metadata: the summary and a record per stored file.
      const json = async (key: string) =>
        JSON.parse((await storage.read(out, key))?.toString("utf8") ?? "null");
      const run = await json(`_meta/runs/${summary.runId}.json`);
      expect(run.counts).toEqual(summary.counts);
      const rec = await json(`_meta/files/${bronzeKey(good[0]!)}.json`);
      expect(rec).toMatchObject({
        key: good[0]!.key,
        sha256: good[0]!.sha256,
        size: good[0]!.size,
        verified: true,
        runId: summary.runId,
        // The replica's zips are small: the default zip_test (structure) still checked every member's CRC-32.
        zipTest: "crc",
      });
      expect(rec.etag).toMatch(/^[0-9a-f]{32}$/);

      // A second run skips everything it already holds.
      const again = JSON.parse((await cli(["collect", "--config", cfg, "--json"])).stdout);
      expect(again.counts.skipped).toBe(good.length);
      expect(again.counts.downloaded).toBe(0);
    }, 300_000);

    it("resolves symbol globs and open start dates by listing", async () => {
      const out = storage.output();
      const r = await cli([
        "collect",
        "--endpoint",
        replica.endpoint,
        "--market",
        "spot",
        "--symbols",
        "BTC*",
        "--data-types",
        "klines",
        "--intervals",
        "1d",
        "--end",
        "2023-07-05",
        "--output",
        out,
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout);
      const expected = replica.manifest.files.filter(
        (f) =>
          f.market === "spot" &&
          f.dataType === "klines" &&
          f.interval === "1d" &&
          f.symbol.startsWith("BTC") &&
          f.partition === "daily" &&
          f.period <= "2023-07-05",
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(s.counts.downloaded).toBe(expected.length);
      expect(s.planned).toBe(expected.length);
      expect((await storage.keys(out, "bronze/")).filter((k) => k.endsWith(".zip")).sort()).toEqual(
        expected.map(bronzeKey).sort(),
      );
      const plan = await cli([
        "plan",
        "--endpoint",
        replica.endpoint,
        "--market",
        "spot",
        "--symbols",
        "*USDT",
        "--data-types",
        "trades",
        "--start",
        START,
        "--end",
        "2023-07-02",
        "--partitions",
        "daily",
        "--keys",
      ]);
      const symbols = new Set(
        plan.stdout
          .trim()
          .split("\n")
          .map((k) => k.split("/")[4]),
      );
      expect([...symbols].sort()).toEqual(
        [
          ...new Set(
            replica.manifest.files
              .filter((f) => f.market === "spot" && f.dataType === "trades" && f.symbol.endsWith("USDT"))
              .map((f) => f.symbol),
          ),
        ].sort(),
      );
      const sym = await cli([
        "symbols",
        "--endpoint",
        replica.endpoint,
        "--market",
        "futures_cm",
        "--data-type",
        "indexPriceKlines",
        "--json",
      ]);
      expect(JSON.parse(sym.stdout)).toEqual(
        [
          ...new Set(
            replica.manifest.files
              .filter((f) => f.market === "futures_cm" && f.dataType === "indexPriceKlines")
              .map((f) => f.symbol),
          ),
        ].sort(),
      );
    }, 120_000);

    it("bad input exits 2 with a clear message, an unwritable output is refused; an unreachable endpoint is a network error, exit 1", async () => {
      const sel = [
        "--market",
        "spot",
        "--symbols",
        "BTCUSDT",
        "--data-types",
        "klines",
        "--intervals",
        "1d",
        "--start",
        START,
        "--end",
        "2023-07-02",
      ];
      const unknown = await cli([
        "collect",
        "--endpoint",
        replica.endpoint,
        ...sel.slice(0, 1),
        "margin",
        ...sel.slice(2),
        "--output",
        storage.output(),
      ]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/--market\[0\]: 'margin' is not a valid market/);
      const dates = await cli([
        "collect",
        "--endpoint",
        replica.endpoint,
        ...sel.slice(0, 8),
        "--start",
        "2023-07-09",
        "--end",
        "2023-07-01",
        "--output",
        storage.output(),
      ]);
      expect(dates.code).toBe(2);
      expect(dates.stderr).toMatch(/'2023-07-01' is before --start '2023-07-09'/);
      const unwritable = await cli([
        "collect",
        "--endpoint",
        replica.endpoint,
        ...sel,
        "--output",
        storage.unwritable.output,
      ]);
      expect(unwritable.code, unwritable.stderr).toBe(storage.unwritable.code);
      expect(unwritable.stderr).toMatch(storage.unwritable.stderr);
      const down = await cli([
        "collect",
        "--endpoint",
        "http://127.0.0.1:9",
        ...sel,
        "--output",
        storage.output(),
        "--retries",
        "1",
        "--json",
      ]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/could not reach the archive .*(ECONNREFUSED|connection refused)/i);
    }, 120_000);
  });
}
