// `lakehouse sync` against the replica on versitygw: twice in a row downloads nothing the second time; after the
// replica gains a day and a symbol it fetches exactly those (the selection read back from the lakehouse); a monthly
// file that appears is fetched and the dailies stay; --dry-run and plan --estimate size it up from the listing;
// collect refuses (exit 3) what the disk cannot hold; and the queued repeatable sync runs on lakehouse-workers
// (real Redis), shows in `lakehouse runs` and can be removed.
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateReplica, type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { BUCKET, type ServedReplica, serveReplica, tempDir } from "./replica-env.js";
import { startWorker, type WorkerProc } from "./workers.js";

const klines = { markets: ["spot" as const], dataTypes: ["klines"], intervals: ["1d"], quirks: false };
const zips = (out: string) =>
  walk(join(out, "bronze"))
    .filter((p) => p.endsWith(".zip"))
    .map((p) => p.slice(join(out, "bronze").length + 1))
    .sort();

describe("lakehouse sync", () => {
  let replica: ServedReplica;
  let redis: RedisServer;
  const workers: WorkerProc[] = [];
  const out = tempDir("lh-sync-");

  beforeAll(async () => {
    [replica, redis] = await Promise.all([
      serveReplica({
        ...klines,
        symbols: { spot: ["BTCUSDT", "ETHUSDT"] },
        start: "2025-03-01",
        end: "2025-03-04",
      }),
      startRedis(),
    ]);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill("SIGKILL");
    await Promise.allSettled(workers.map((w) => w.proc));
    await Promise.allSettled([replica?.stop(), redis?.stop()]);
  });

  const sync = async (...extra: string[]) => {
    const r = await lakehouse(["sync", "--endpoint", replica.endpoint, "--output", out, "--json", ...extra]);
    return { code: r.code, doc: JSON.parse(r.stdout || "null"), stderr: r.stderr };
  };
  /** Adds files to the served replica (the generator's merge) and gives them their ETags. */
  const grow = async (o: Parameters<typeof generateReplica>[0]) => {
    const m = await generateReplica({ ...o, merge: true });
    await replica.gw.stampEtags(BUCKET, "data/");
    return m;
  };

  it("needs a selection the first time, then follows it: twice in a row downloads nothing the second time", async () => {
    const none = await lakehouse(["sync", "--endpoint", replica.endpoint, "--output", out]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Nothing to sync: .* follows no selection yet/);

    const first = await sync(
      "--market",
      "spot",
      "--symbols",
      "*USDT",
      "--data-types",
      "klines",
      "--intervals",
      "1d",
      "--start",
      "2025-03-01",
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.doc.counts).toMatchObject({ downloaded: 8, failed: 0, missing: 0, pending: 0 });
    expect(first.doc.status).toBe("completed");
    // Up to today, from the listing: months and days the archive does not have are not 404s.
    expect(first.doc.notes.join("\n")).toMatch(
      /files of the followed selection are not in the archive's listing/,
    );
    expect(zips(out)).toHaveLength(8);

    const second = await sync();
    expect(second.code, second.stderr).toBe(0);
    expect(second.doc.counts).toMatchObject({ downloaded: 0, skipped: 8, failed: 0, missing: 0 });
    expect(second.doc.bytes).toBe(0);
    expect(second.doc.selections).toHaveLength(1);
    // Coverage is brought up to date too (and its SQL table).
    expect(second.doc.coverage.totals).toMatchObject({ verified: 8 });
    expect(walk(join(out, "_meta", "tables", "coverage")).some((p) => p.endsWith(".parquet"))).toBe(true);
    expect(second.doc.selections[0].markets[0]).toMatchObject({ market: "spot", patterns: ["*USDT"] });
  }, 240_000);

  it("after the replica gains a day and a symbol, --dry-run sizes them and sync fetches exactly those", async () => {
    const before = zips(out);
    const m = await grow({
      ...klines,
      symbols: { spot: ["BTCUSDT", "ETHUSDT", "SOLUSDT"] },
      start: "2025-03-01",
      end: "2025-03-05",
      outDir: join(replica.dir, BUCKET),
    });
    const added = m.files.filter((f) => f.symbol === "SOLUSDT" || f.period === "2025-03-05");
    expect(added).toHaveLength(7);

    const dry = await sync("--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.doc.estimate).toMatchObject({
      toFetch: { files: 7, bytes: added.reduce((n, f) => n + f.size, 0) },
      stored: { files: 8 },
    });
    expect(dry.doc.estimate.throughput.bytesPerSecond).toBeGreaterThan(0);
    expect(dry.doc.estimate.etaSeconds).toBeGreaterThan(0);
    expect(zips(out)).toEqual(before);

    const synced = await sync();
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.doc.counts).toMatchObject({ downloaded: 7, skipped: 8, failed: 0 });
    const now = zips(out);
    expect(now.filter((k) => !before.includes(k)).sort()).toEqual(
      added.map((f) => `spot/klines/daily/${f.symbol}/1d/${f.key.split("/").pop()}`).sort(),
    );
    expect((await sync()).doc.counts).toMatchObject({ downloaded: 0, skipped: 15 });
  }, 240_000);

  it("a monthly file that appears is fetched; the dailies stay in bronze", async () => {
    await grow({
      ...klines,
      symbols: { spot: ["BTCUSDT"] },
      partitions: ["monthly"],
      start: "2025-03-01",
      end: "2025-03-31",
      outDir: join(replica.dir, BUCKET),
    });
    const r = await sync();
    expect(r.code, r.stderr).toBe(0);
    expect(r.doc.counts).toMatchObject({ downloaded: 1, failed: 0 });
    expect(zips(out)).toContain("spot/klines/monthly/BTCUSDT/1d/BTCUSDT-1d-2025-03.zip");
    expect(zips(out).filter((k) => k.startsWith("spot/klines/daily/BTCUSDT/"))).toHaveLength(5);
  }, 240_000);

  it("--every registers a repeatable sync that workers run; runs lists it; --every off and cancel remove it", async () => {
    workers.push(
      startWorker(["--queue", redis.url, "--lock-duration", "5000", "--stalled-interval", "5000"]),
    );
    await workers[0]!.waitFor((l) => l.msg === "worker ready");
    const runsBefore = readdirSync(join(out, "_meta", "runs")).length;
    // The replica gains a day (in a month without a monthly file yet): the scheduled sync on the worker fetches it.
    await grow({
      ...klines,
      symbols: { spot: ["BTCUSDT"] },
      start: "2025-04-01",
      end: "2025-04-01",
      outDir: join(replica.dir, BUCKET),
    });

    const reg = await lakehouse([
      "sync",
      "--endpoint",
      replica.endpoint,
      "--output",
      out,
      "--every",
      "1h",
      "--queue",
      redis.url,
      "--json",
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    const s = JSON.parse(reg.stdout);
    expect(s).toMatchObject({ everyMs: 3_600_000, output: out });
    const done = await workers[0]!.waitFor((l) => l.msg === "scheduled sync finished", 120_000);
    expect(done).toMatchObject({ schedule: s.id, status: "completed", counts: { downloaded: 1 } });
    expect(zips(out)).toContain("spot/klines/daily/BTCUSDT/1d/BTCUSDT-1d-2025-04-01.zip");
    const runs = readdirSync(join(out, "_meta", "runs"));
    expect(runs).toHaveLength(runsBefore + 1);
    const summary = JSON.parse(readFileSync(join(out, "_meta", "runs", `${done.runId}.json`), "utf8"));
    expect(summary.request).toMatchObject({ command: "sync" });

    const listed = await lakehouse(["runs", "--output", out, "--queue", redis.url, "--json"]);
    expect(JSON.parse(listed.stdout).schedules).toEqual([
      expect.objectContaining({ id: s.id, output: out, everyMs: 3_600_000 }),
    ]);
    const table = await lakehouse(["runs", "--output", out, "--queue", redis.url]);
    expect(table.stdout).toMatch(
      new RegExp(`Repeatable syncs:[\\s\\S]*${s.id}\\s+${out.replace(/[/.-]/g, "\\$&")}\\s+1h`),
    );

    const off = await lakehouse(["sync", "--output", out, "--every", "off", "--queue", redis.url, "--json"]);
    expect(JSON.parse(off.stdout)).toMatchObject({ id: s.id, removed: true });
    expect(
      JSON.parse((await lakehouse(["runs", "-o", out, "--queue", redis.url, "--json"])).stdout).schedules,
    ).toEqual([]);

    await lakehouse([
      "sync",
      "--endpoint",
      replica.endpoint,
      "--output",
      out,
      "--every",
      "30m",
      "--queue",
      redis.url,
    ]);
    const cancelled = await lakehouse(["cancel", s.id, "--queue", redis.url, "--json"]);
    expect(JSON.parse(cancelled.stdout)).toEqual({ id: s.id, removed: true });
    expect(
      JSON.parse((await lakehouse(["runs", "-o", out, "--queue", redis.url, "--json"])).stdout).schedules,
    ).toEqual([]);

    const bad = await lakehouse(["sync", "--output", out, "--every", "hourly", "--queue", redis.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--every: 'hourly' is not an interval; use a whole number with m, h or d/);
  }, 300_000);

  it("plan --estimate sizes a selection; collect refuses (exit 3) one the disk cannot hold, downloading nothing", async () => {
    const sel = (symbols: string) => [
      "--market",
      "spot",
      "--symbols",
      symbols,
      "--data-types",
      "klines",
      "--intervals",
      "1d",
      "--start",
      "2025-03-01",
      "--end",
      "2025-03-05",
    ];
    const est = await lakehouse([
      "plan",
      ...sel("BTCUSDT,ETHUSDT"),
      "--endpoint",
      replica.endpoint,
      "--output",
      out,
      "--estimate",
      "--json",
    ]);
    expect(est.code, est.stderr).toBe(0);
    expect(JSON.parse(est.stdout).estimate).toMatchObject({
      planned: { files: 10 },
      stored: { files: 10 },
      toFetch: { files: 0, bytes: 0 },
    });
    const fresh = tempDir("lh-sync-empty-");
    const plain = await lakehouse([
      "plan",
      ...sel("BTCUSDT,ETHUSDT"),
      "--endpoint",
      replica.endpoint,
      "--output",
      fresh,
      "--estimate",
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/10 files planned/);
    expect(plain.stdout).toMatch(/to download\s+10 files/);
    expect(plain.stdout).toMatch(/estimated time\s+unknown/);

    // A file larger than any test disk, as the listing reports it (sparse: it takes no room in the replica).
    const huge = join(replica.dir, BUCKET, "data/spot/daily/klines/HUGEUSDT/1d/HUGEUSDT-1d-2025-03-01.zip");
    mkdirSync(dirname(huge), { recursive: true });
    writeFileSync(huge, "");
    truncateSync(huge, 8 * 2 ** 40);
    const refused = await lakehouse([
      "collect",
      ...sel("HUGEUSDT"),
      "--endpoint",
      replica.endpoint,
      "--output",
      fresh,
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /Not enough space in .*: the selection needs 8796\.1 GB \(1 file to download\) and [\d.]+ GB are free; nothing was downloaded/,
    );
    expect(zips(fresh)).toEqual([]);
  }, 240_000);
});
