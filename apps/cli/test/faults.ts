import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ProxyInfo, startToxiproxy, type ToxicSpec, type Toxiproxy } from "@crypto-lakehouse/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, lakehouse, startLakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

const START = "2024-01-01";
const END = "2024-01-06";
const DAYS = 6;
/** 3 symbols × 6 days of 20–150 KB zips, and 2 zips of 1 MB on the first day (bodies span many reads). */
const SMALL_SYMBOLS = ["SMALL0001USDT", "SMALL0002USDT", "SMALL0003USDT"];
const LARGE_SYMBOLS = ["BENCH0001USDT", "BENCH0002USDT"];

interface Summary {
  runId: string;
  planned: number;
  counts: Record<string, number>;
  failures: { key: string; outcome: string; reason: string }[];
}

export interface FaultSuiteOptions {
  /** Environment for every CLI run (e.g. S5CMD_PATH), computed when the suite starts. */
  env?: () => Record<string, string>;
}

export function describeCollectFaults(downloader: string, options: FaultSuiteOptions = {}): void {
  describe(`lakehouse collect --downloader ${downloader} through toxiproxy`, () => {
    let replica: ServedReplica;
    let toxi: Toxiproxy;
    let proxy: ProxyInfo;
    let env: Record<string, string> = {};
    let n = 0;
    /** sha256 by archive key, for every file the selection should collect. */
    let expected: Map<string, { sha256: string; bronze: string }>;

    beforeAll(async () => {
      env = options.env?.() ?? {};
      replica = await serveReplica({
        start: START,
        end: END,
        markets: ["spot"],
        dataTypes: ["trades"],
        rowsPerFile: 5,
        quirks: false,
        smallFiles: { count: SMALL_SYMBOLS.length * DAYS, minKb: 20, maxKb: 150 },
        largeFiles: { count: LARGE_SYMBOLS.length, sizeMb: 1 },
      });
      toxi = await startToxiproxy();
      expected = new Map(
        replica.manifest.files
          .filter((f) => [...SMALL_SYMBOLS, ...LARGE_SYMBOLS].includes(f.symbol))
          .map((f) => [
            f.key,
            {
              sha256: f.sha256,
              bronze: join("bronze", "spot", "trades", "daily", f.symbol, f.key.split("/").pop()!),
            },
          ]),
      );
      expect(expected.size).toBe(SMALL_SYMBOLS.length * DAYS + LARGE_SYMBOLS.length);
    });
    afterAll(async () => {
      await toxi?.stop();
      await replica?.stop();
    });
    // A fresh proxy per case: removing a bandwidth toxic from a link cut mid-body stalls toxiproxy for 5 s.
    const freshProxy = async () => {
      proxy = await toxi.createProxy(`s3-${downloader}-${++n}`, `127.0.0.1:${replica.gw.port}`);
      return proxy;
    };
    afterEach(async () => {
      await toxi.deleteProxy(proxy).catch(() => undefined);
    });

    const args = (endpoint: string, out: string) => [
      "collect",
      "--downloader",
      downloader,
      "--endpoint",
      endpoint,
      "--market",
      "spot",
      "--symbols",
      [...SMALL_SYMBOLS, ...LARGE_SYMBOLS].join(","),
      "--data-types",
      "trades",
      "--start",
      START,
      "--end",
      END,
      "--partitions",
      "daily",
      "--output",
      out,
      "--concurrency",
      "4",
      "--batch-size",
      "10",
      "--timeout",
      "1",
      "--retries",
      "2",
      "--json",
    ];

    async function collect(endpoint: string, out: string): Promise<{ r: CliResult; s: Summary }> {
      const r = await lakehouse(args(endpoint, out), { env, timeout: 90_000 });
      expect(r.stdout, r.stderr).toMatch(/^\{/);
      return { r, s: JSON.parse(r.stdout) as Summary };
    }

    /**
     * The invariant under any fault: each expected file is in bronze with the archive's SHA-256 or listed in
     * the failures with a reason; the 404 days of the 1 MB symbols are `missing` or failed with a reason;
     * bronze holds nothing else, and no temp, part or staging file is left anywhere.
     */
    function expectAccounted(out: string, { r, s }: { r: CliResult; s: Summary }, heldBefore = 0): number {
      const failures = new Map(s.failures.map((f) => [f.key, f]));
      let stored = 0;
      for (const [key, f] of expected) {
        const path = join(out, f.bronze);
        if (existsSync(path)) {
          expect(sha256(path), key).toBe(f.sha256);
          expect(existsSync(`${path}.CHECKSUM`), `${key}.CHECKSUM`).toBe(true);
          expect(failures.has(key), key).toBe(false);
          stored++;
        } else {
          expect(failures.get(key)?.reason, `${key} is neither in bronze nor reported`).toMatch(/\S/);
        }
      }
      for (const f of s.failures) expect(f.reason, f.key).toMatch(/\S/);
      const zips = walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"));
      expect(zips).toHaveLength(stored);
      expect(walk(out).filter((p) => /\.(tmp|part)$|\/\.s5cmd-|\/_staging\//.test(p))).toEqual([]);
      expect(s.counts.downloaded! + heldBefore).toBe(stored);
      expect(s.planned).toBe(Object.values(s.counts).reduce((a, b) => a + b, 0));
      expect(r.code).toBe(s.counts.failed! + s.counts.checksum_mismatch! > 0 ? 1 : 0);
      return stored;
    }

    /** After the fault: a clean run on the same output collects the rest, and nothing fails. */
    async function expectRerunCompletes(endpoint: string, out: string, storedBefore: number) {
      const again = await collect(endpoint, out);
      expect(again.s.counts.failed, JSON.stringify(again.s.failures)).toBe(0);
      expect(again.r.code).toBe(0);
      expect(again.s.counts.skipped).toBe(storedBefore);
      expect(expectAccounted(out, again, storedBefore)).toBe(expected.size);
    }

    async function faultRun(toxics: ToxicSpec[]) {
      const p = await freshProxy();
      for (const t of toxics) await toxi.addToxic(p, t);
      const out = tempDir(`lh-faults-${downloader}-`);
      const result = await collect(p.endpoint, out);
      return { p, out, stored: expectAccounted(out, result), result };
    }

    it("50 ms of latency: everything arrives", async () => {
      const { result } = await faultRun([{ type: "latency", attributes: { latency: 50 } }]);
      expect(result.s.counts.failed, JSON.stringify(result.s.failures)).toBe(0);
      expect(result.s.counts.downloaded).toBe(expected.size);
    });

    it("a bandwidth limit slower than the timeout per file: bodies keep moving, so everything arrives", async () => {
      // 1 MB at 512 KB/s takes ~2 s, twice --timeout: the timeout is for silence, not for slowness.
      const { result } = await faultRun([{ type: "bandwidth", attributes: { rate: 512 } }]);
      expect(result.s.counts.failed, JSON.stringify(result.s.failures)).toBe(0);
      expect(result.s.counts.downloaded).toBe(expected.size);
    });

    it("connections reset mid-body: retried or reported, never stored partial; a re-run completes", async () => {
      const { p, out, stored } = await faultRun([
        { type: "bandwidth", attributes: { rate: 2048 } },
        { type: "reset_peer", toxicity: 0.4, attributes: { timeout: 150 } },
      ]);
      await toxi.deleteProxy(p);
      await expectRerunCompletes(replica.endpoint, out, stored);
    });

    it("requests that hang: stopped after --timeout, retried or reported; a re-run completes", async () => {
      const { p, out, stored } = await faultRun([
        { type: "timeout", stream: "upstream", toxicity: 0.15, attributes: { timeout: 0 } },
      ]);
      await toxi.resetProxy(p);
      await expectRerunCompletes(p.endpoint, out, stored);
    });

    it("truncated bodies: detected, retried or reported; a re-run completes", async () => {
      const { p, out, stored } = await faultRun([
        { type: "limit_data", toxicity: 0.5, attributes: { bytes: 60_000 } },
      ]);
      await toxi.resetProxy(p);
      await expectRerunCompletes(p.endpoint, out, stored);
    });

    it("the server goes away mid-run: the run ends reporting the rest; when it is back a re-run completes", async () => {
      const p = await freshProxy();
      // Slow enough that the run is still going when the first files are in bronze.
      await toxi.addToxic(p, { type: "latency", attributes: { latency: 150 } });
      const out = tempDir(`lh-faults-${downloader}-`);
      const run = startLakehouse(args(p.endpoint, out), { env });
      while (walk(join(out, "bronze")).filter((f) => f.endsWith(".zip")).length === 0) {
        expect(run.exitCode, "the run ended before the server went away").toBeNull();
        await sleep(20);
      }
      await toxi.disableProxy(p);
      const done = await run;
      const r = { code: done.exitCode ?? -1, stdout: String(done.stdout), stderr: String(done.stderr) };
      expect(r.stdout, r.stderr).toMatch(/^\{/);
      const result = { r, s: JSON.parse(r.stdout) as Summary };
      const stored = expectAccounted(out, result);
      expect(stored).toBeLessThan(expected.size);
      expect(result.s.counts.failed).toBeGreaterThan(0);
      expect(result.s.failures.some((f) => /refused|ECONNREFUSED|connect/i.test(f.reason))).toBe(true);
      await toxi.enableProxy(p);
      await toxi.resetProxy(p);
      await expectRerunCompletes(p.endpoint, out, stored);
    });
  });
}
