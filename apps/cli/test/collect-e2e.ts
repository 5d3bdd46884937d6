import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, lakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

// Written out from ARCHIVE.md §3 (not read from the plugins), so the test checks the matrix rather than repeating it.
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
function bronzePath(
  root: string,
  f: { market: string; dataType: string; partition: string; symbol: string; interval?: string; key: string },
): string {
  return join(
    root,
    "bronze",
    f.market,
    f.dataType,
    f.partition,
    f.symbol,
    ...(f.interval ? [f.interval] : []),
    f.key.split("/").pop()!,
  );
}

export interface CollectE2EOptions {
  /** Environment for every CLI run (e.g. S5CMD_PATH), computed when the suite starts. */
  env?: () => Record<string, string>;
}

/** Registers the collect end-to-end cases for one downloader (`--downloader <id>`, `downloader` in config). */
export function describeCollectE2E(downloader: string, options: CollectE2EOptions = {}): void {
  describe(`lakehouse collect --downloader ${downloader} against the replica`, () => {
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
      env = options.env?.() ?? {};
      replica = await serveReplica({
        start: START,
        end: END,
        intervals: ["1s", "1h", "1d", "1mo"],
        rowsPerFile: 20,
      });
    });
    afterAll(async () => {
      await replica?.stop();
    });

    it("collects all four markets and every data type: bronze equals the replica, stale checksums and holes reported", async () => {
      const out = tempDir("lh-bronze-");
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
      for (const f of good) {
        const p = bronzePath(out, f);
        expect(existsSync(p), p).toBe(true);
        expect(sha256(p)).toBe(f.sha256);
        expect(existsSync(`${p}.CHECKSUM`)).toBe(true);
      }
      expect(summary.counts.downloaded).toBe(good.length);
      expect(summary.counts.checksum_mismatch).toBe(stale.size);
      expect(stale.size).toBeGreaterThan(0);
      for (const key of stale) {
        const failure = summary.failures.find((x: { key: string }) => x.key === key);
        expect(failure?.outcome).toBe("checksum_mismatch");
        expect(failure?.reason).toMatch(/CHECKSUM is stale/);
        const f = files.find((x) => x.key === key)!;
        expect(existsSync(bronzePath(out, f))).toBe(false);
      }
      const quarantined = walk(join(out, "_meta", "quarantine")).filter((p) => p.endsWith(".zip"));
      expect(quarantined).toHaveLength(stale.size);
      const holes = replica.manifest.holes;
      expect(holes.length).toBeGreaterThan(0);
      for (const key of holes) {
        expect(summary.failures.find((x: { key: string }) => x.key === key)?.outcome, key).toBe("missing");
      }
      expect(summary.counts.missing).toBe(holes.length);
      expect(summary.counts.failed).toBe(0);
      // Nothing partial or unverified under a final name.
      const bronzeZips = walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"));
      expect(bronzeZips).toHaveLength(good.length);
      expect(walk(out).filter((p) => /\.tmp$|\.part$/.test(p))).toEqual([]);
      // Run metadata: the summary and a record per stored file.
      const run = JSON.parse(readFileSync(join(out, "_meta", "runs", `${summary.runId}.json`), "utf8"));
      expect(run.counts).toEqual(summary.counts);
      const rec = JSON.parse(
        readFileSync(join(out, "_meta", "files", `${relative(out, bronzePath(out, good[0]!))}.json`), "utf8"),
      );
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
      const out = tempDir("lh-glob-");
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

    it("bad input exits 2 with a clear message; an unreachable endpoint is a network error, exit 1", async () => {
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
        tempDir("lh-x-"),
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
        tempDir("lh-x-"),
      ]);
      expect(dates.code).toBe(2);
      expect(dates.stderr).toMatch(/'2023-07-01' is before --start '2023-07-09'/);
      // Root can write almost anywhere; /sys refuses new folders even to root.
      const unwritable = await cli([
        "collect",
        "--endpoint",
        replica.endpoint,
        ...sel,
        "--output",
        "/sys/lakehouse",
      ]);
      expect(unwritable.code).toBe(2);
      expect(unwritable.stderr).toMatch(/Permission denied writing to output directory: \/sys\/lakehouse/);
      const down = await cli([
        "collect",
        "--endpoint",
        "http://127.0.0.1:9",
        ...sel,
        "--output",
        tempDir("lh-x-"),
        "--retries",
        "1",
        "--json",
      ]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/could not reach the archive .*(ECONNREFUSED|connection refused)/i);
    }, 120_000);
  });
}
