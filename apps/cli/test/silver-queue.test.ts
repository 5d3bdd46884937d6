// `lakehouse silver --queue` on real Redis with two lakehouse-worker processes, one SIGKILLed mid-batch: the run
// completes, and silver equals an in-process build of the same bronze (rows, types, digits, lineage).
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { basename, bronzeFolder, silentLogger } from "@crypto-lakehouse/core";
import { builtinRegistry } from "@crypto-lakehouse/runtime";
import {
  generateReplica,
  type RedisServer,
  type ReplicaFile,
  startRedis,
  startVersitygw,
  type VersityGw,
} from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse, startLakehouse } from "./cli.js";
import { walk } from "./files.js";
import { tempDir } from "./replica-env.js";
import { startWorker, type WorkerProc } from "./workers.js";

/** Bronze with the archive's quirks: spot 1m klines across the ms → µs switch (more than one batch), futures
 * metrics (symbol column, text times, doubled rows), monthly fundingRate, and 1h klines daily and monthly (monthly
 * files supersede the daily ones of their month). */
async function bronzeLake(root: string): Promise<ReplicaFile[]> {
  const sets = [
    {
      markets: ["spot" as const],
      dataTypes: ["klines"],
      symbols: { spot: ["BTCUSDT", "ETHUSDT", "BNBUSDT"] },
      intervals: ["1m"],
      partitions: ["daily" as const],
      start: "2024-12-14",
      end: "2025-01-12",
      rowsPerFile: 1440,
    },
    {
      markets: ["futures_um" as const],
      dataTypes: ["metrics", "fundingRate", "klines"],
      symbols: { futures_um: ["BTCUSDT"] },
      intervals: ["1h"],
      start: "2021-01-01",
      end: "2021-02-28",
    },
  ];
  const files: ReplicaFile[] = [];
  for (const [i, set] of sets.entries()) {
    const m = await generateReplica({ ...set, outDir: join(root, `replica-${i}`) });
    for (const f of m.files) {
      const to = join(
        root,
        "lake",
        bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval),
        basename(f.key),
      );
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(m.root, ...f.key.split("/")), to);
      files.push(f);
    }
  }
  return files;
}

/** Every silver table of a lake: its columns and types, and a fingerprint of every row's every digit. */
async function tables(lake: string, env?: Record<string, string>): Promise<Record<string, unknown>> {
  const sql = async (q: string) => {
    const r = await lakehouse(["sql", "-o", lake, "--format", "json", q], env ? { env } : {});
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>[];
  };
  const views = (await sql("SELECT view_name AS v FROM duckdb_views() WHERE NOT internal ORDER BY 1")).map(
    (r) => r.v!,
  );
  const out: Record<string, unknown> = {};
  for (const v of views) {
    const types = await sql(`SELECT column_name, column_type FROM (DESCRIBE ${v})`);
    const [rows] = await sql(
      `SELECT count(*)::VARCHAR AS n, md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)) AS digest FROM ${v} x`,
    );
    out[v] = { types, rows };
  }
  return out;
}

describe("silver through the queue with lakehouse-worker processes", () => {
  let redis: RedisServer;
  let dir: string;
  let files: ReplicaFile[];
  let gw: VersityGw | undefined;
  /** The in-process build's tables, which every queued build must equal. */
  let expected: Record<string, unknown>;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    dir = tempDir("lh-silver-queue-");
    [redis, files] = await Promise.all([startRedis(), bronzeLake(dir)]);
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) w.proc.kill("SIGKILL");
    await Promise.allSettled(workers.map((w) => w.proc));
    await Promise.allSettled([redis?.stop(), gw?.stop()]);
  });

  it("two workers, one SIGKILLed mid-batch: silver equals an in-process build (rows, types, digits, lineage)", async () => {
    const queued = join(dir, "queued");
    const inproc = join(dir, "inproc");
    cpSync(join(dir, "lake"), queued, { recursive: true });
    cpSync(join(dir, "lake"), inproc, { recursive: true });
    const url = `${redis.url}?queue=silver-e2e&backoffMs=200&pollMs=200`;
    const args = ["--queue", url, "--lock-duration", "3000", "--stalled-interval", "1000"];
    for (let i = 0; i < 2; i++) workers.push(startWorker([...args, "--name", `w${i}`]));
    await Promise.all(workers.map((w) => w.waitFor((l) => l.msg === "worker ready")));

    const run = startLakehouse(["silver", "-o", queued, "--queue", url, "--json"]);
    // Kill a worker the moment it has a batch in hand: another worker takes the batch over once its lock expires.
    const [victim, other] = workers as [WorkerProc, WorkerProc];
    const started = await victim.waitFor((l) => l.msg === "batch started", 120_000);
    victim.proc.kill("SIGKILL");
    const res = await run;
    expect(res.exitCode, String(res.stderr)).toBe(0);
    const summary = JSON.parse(String(res.stdout));
    await other.waitFor((l) => l.msg === "batch finished" && l.batch === started.batch, 1_000);
    expect(other.lines.some((l) => /stalled/.test(l.msg) && l.batch === started.batch)).toBe(true);

    const local = await lakehouse(["silver", "-o", inproc, "--json"], { timeout: 300_000 });
    expect(local.code, local.stderr).toBe(0);
    const s2 = JSON.parse(local.stdout);
    expect(summary.failures).toEqual([]);
    expect(summary.counts).toEqual(s2.counts);
    expect(summary.counts.converted).toBeGreaterThan(100);
    expect(summary.counts.superseded).toBeGreaterThan(0); // the monthly klines were converted first
    expect(summary.files.map((f: { bronzeKey: string; rows: number }) => [f.bronzeKey, f.rows])).toEqual(
      s2.files.map((f: { bronzeKey: string; rows: number }) => [f.bronzeKey, f.rows]),
    );

    // The same parts, and nothing else under silver/ (no duplicate, no temporary or half-written file).
    const parts = (root: string) =>
      walk(join(root, "silver"))
        .map((p) => relative(root, p))
        .sort();
    expect(parts(queued)).toEqual(parts(inproc));
    expect(parts(queued).every((p) => p.endsWith(".parquet"))).toBe(true);
    expected = await tables(inproc);
    expect(await tables(queued)).toEqual(expected);

    // Lineage: every row names its bronze file and that file's sha256.
    const r = await lakehouse([
      "sql",
      "-o",
      queued,
      "--format",
      "json",
      "SELECT source_key AS k, any_value(source_sha256) AS s, count(DISTINCT source_sha256)::VARCHAR AS n FROM spot_klines GROUP BY 1 ORDER BY 1",
    ]);
    const lineage = JSON.parse(r.stdout) as { k: string; s: string; n: string }[];
    const sha = new Map(
      files.map((f) => [
        `${bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval)}${basename(f.key)}`,
        f.sha256,
      ]),
    );
    expect(lineage.length).toBe(files.filter((f) => f.market === "spot" && f.rows > 0).length);
    for (const l of lineage) expect([l.s, l.n]).toEqual([sha.get(l.k), "1"]);
  }, 600_000);

  it("on S3: workers read bronze from and write silver to the bucket, with credentials from their own environment", async () => {
    const key = `lh-access-${randomBytes(6).toString("hex")}`;
    const secret = `lh-secret-${randomBytes(12).toString("hex")}`;
    gw = await startVersitygw({
      root: join(dir, "gw"),
      buckets: ["lake"],
      accessKey: key,
      secretKey: secret,
    });
    const env = {
      AWS_ACCESS_KEY_ID: key,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_ENDPOINT_URL_S3: gw.endpoint,
      AWS_REGION: "us-east-1",
    };
    // The uploader reads credentials from the environment, as the CLI and the workers do.
    Object.assign(process.env, env);
    const plugin = await builtinRegistry().storages.get("s3")!.load();
    const s3 = await plugin.create(
      { bucket: "lake", prefix: "q", endpoint: gw.endpoint },
      { logger: silentLogger },
    );
    try {
      const root = join(dir, "lake");
      for (const p of walk(join(root, "bronze"))) await s3.put(relative(root, p), { path: p });
    } finally {
      await s3.close?.();
    }
    const url = `${redis.url}?queue=silver-s3&backoffMs=200&pollMs=200`;
    const s3workers = [0, 1].map((i) => startWorker(["--queue", url, "--name", `s3-${i}`], env));
    workers.push(...s3workers);
    await Promise.all(s3workers.map((w) => w.waitFor((l) => l.msg === "worker ready")));
    const res = await lakehouse(["silver", "-o", "s3://lake/q", "--queue", url, "--json"], {
      env,
      timeout: 300_000,
    });
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.failures).toEqual([]);
    expect(summary.counts.converted).toBeGreaterThan(100);
    // Both workers converted (the batches were shared), and no credential travelled through Redis.
    for (const w of s3workers) expect(w.lines.some((l) => l.msg === "batch finished")).toBe(true);
    expect(JSON.stringify(summary)).not.toContain(secret);
    expect(await tables("s3://lake/q", env)).toEqual(expected);
  }, 600_000);
});
