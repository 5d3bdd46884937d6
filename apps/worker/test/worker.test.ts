// The `lakehouse-worker` binary: flags, JSON logs, the metrics endpoint, and graceful shutdown on SIGTERM
// (finish the batch in hand) or a second SIGTERM (hand it back), against real Redis and the replica on versitygw.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CollectResult, collect } from "@crypto-lakehouse/runtime";
import {
  generateReplica,
  type RedisServer,
  type ReplicaManifest,
  startRedis,
  startVersitygw,
  type VersityGw,
} from "@crypto-lakehouse/testkit";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "dist", "bin.js");
const BUCKET = "data.binance.vision";
const DAY = "2023-07-01";

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

interface Proc {
  proc: ResultPromise;
  lines: Line[];
  raw: string[];
  waitFor(pred: (l: Line) => boolean, timeoutMs?: number): Promise<Line>;
}

function worker(args: string[]): Proc {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` before the worker tests`);
  const proc = execa(process.execPath, [BIN, ...args], {
    reject: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  const lines: Line[] = [];
  const raw: string[] = [];
  let buf = "";
  proc.stdout?.on("data", (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split("\n");
    buf = parts.pop()!;
    for (const p of parts) {
      raw.push(p);
      try {
        lines.push(JSON.parse(p) as Line);
      } catch {
        lines.push({ level: 0, msg: p });
      }
    }
  });
  return {
    proc,
    lines,
    raw,
    async waitFor(pred, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (Date.now() > end || proc.exitCode !== null)
          throw new Error(`no such log line; last:\n${raw.slice(-8).join("\n")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe("lakehouse-worker", () => {
  let redis: RedisServer;
  let gw: VersityGw;
  let dir: string;
  let manifest: ReplicaManifest;
  const procs: Proc[] = [];
  const start = (args: string[]) => {
    const p = worker(args);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lh-worker-replica-"));
    manifest = await generateReplica({
      outDir: join(dir, BUCKET),
      markets: ["spot"],
      dataTypes: ["trades"],
      start: DAY,
      end: DAY,
      smallFiles: { count: 90, minKb: 4, maxKb: 12 },
    });
    [redis, gw] = await Promise.all([
      startRedis(),
      startVersitygw({ root: dir, buckets: [BUCKET], publicReadBuckets: [BUCKET] }),
    ]);
  });
  afterAll(async () => {
    for (const p of procs) p.proc.kill("SIGKILL");
    await Promise.allSettled(procs.map((p) => p.proc));
    await Promise.allSettled([redis?.stop(), gw?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A collection of the SMALL* files through the queue, in batches of 30 (three batches). */
  const submit = (queue: string, out: string): Promise<CollectResult> =>
    collect({
      markets: ["spot"],
      symbols: ["SMALL*"],
      data_types: ["trades"],
      date_range: { start: DAY, end: DAY },
      endpoint: gw.endpoint,
      output_directory: out,
      batch_size: 30,
      queue,
    });

  const small = () => manifest.files.filter((f) => f.bench === "small");
  const zips = (out: string): string[] => {
    const walk = (d: string): string[] =>
      existsSync(d)
        ? readdirSync(d, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
          )
        : [];
    return walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"));
  };

  it("rejects bad flags with exit code 2 and a message", async () => {
    const none = await execa(process.execPath, [BIN, "--log-format", "json"], {
      reject: false,
      env: { LAKEHOUSE_QUEUE: "" },
    });
    expect(none.exitCode).toBe(2);
    expect(none.stdout).toMatch(/No queue given: pass --queue/);
    const dl = await execa(
      process.execPath,
      [BIN, "--queue", redis.url, "--downloader", "ftp", "--log-format", "json"],
      { reject: false },
    );
    expect(dl.exitCode).toBe(2);
    expect(dl.stdout).toMatch(/'ftp' is not a known downloader \(known: http/);
    const bad = await execa(process.execPath, [BIN, "--queue", redis.url, "--batches", "0"], {
      reject: false,
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--batches must be a whole number/);
  });

  it("SIGTERM: finishes the batch in hand, takes no other, exits 0; logs JSON lines and serves Prometheus metrics", async () => {
    const queue = `${redis.url}?queue=term&pollMs=200`;
    const out = mkdtempSync(join(tmpdir(), "lh-worker-out-"));
    const w = start(["--queue", queue, "--concurrency", "1", "--metrics-port", "0"]);
    await w.waitFor((l) => l.msg === "worker ready");
    const metricsUrl = String((await w.waitFor((l) => l.msg === "metrics endpoint listening")).url);
    const run = submit(queue, out);
    const first = await w.waitFor((l) => l.msg === "batch started");
    w.proc.kill("SIGTERM");
    const { exitCode } = await w.proc;
    expect(exitCode).toBe(0);
    const msgs = w.lines.map((l) => l.msg);
    const finished = w.lines.findIndex((l) => l.msg === "batch finished" && l.batch === first.batch);
    expect(finished).toBeGreaterThan(msgs.indexOf("shutting down: finishing the current batches first"));
    expect(msgs.filter((m) => m === "batch started")).toHaveLength(1);
    expect(msgs.at(-1)).toBe("worker stopped");
    expect(w.lines.at(-1)).toMatchObject({ files: { downloaded: 30 }, batches: { completed: 1 } });
    // Not a TTY: every stdout line is a JSON object with level, time and message.
    for (const l of w.raw)
      expect(JSON.parse(l)).toMatchObject({
        level: expect.any(Number),
        time: expect.any(String),
        msg: expect.any(String),
      });
    await expect(fetch(metricsUrl)).rejects.toThrow(); // the endpoint went away with the worker

    // Another worker finishes the run.
    const w2 = start(["--queue", queue, "--metrics-port", "0"]);
    const result = await run;
    expect(result.counts).toMatchObject({ downloaded: small().length, failed: 0 });
    expect(zips(out)).toHaveLength(small().length);
    const text = await (
      await fetch(String((await w2.waitFor((l) => l.msg === "metrics endpoint listening")).url))
    ).text();
    expect(text).toContain("# TYPE lakehouse_worker_files_total counter");
    expect(text).toMatch(/^lakehouse_worker_files_total\{outcome="downloaded"\} 60$/m);
    expect(text).toMatch(/^lakehouse_worker_bytes_total [1-9]\d*$/m);
    expect(text).toMatch(/^lakehouse_worker_batches_total\{end="completed"\} 2$/m);
    expect(text).toMatch(/^lakehouse_worker_queue_waiting 0$/m);
    expect(text).toMatch(/^lakehouse_worker_queue_lag_seconds 0$/m);
    w2.proc.kill("SIGTERM");
    expect((await w2.proc).exitCode).toBe(0);
  }, 90_000);

  it("a second SIGTERM hands the batch back at once; another worker completes it", async () => {
    const queue = `${redis.url}?queue=handback&pollMs=200`;
    const out = mkdtempSync(join(tmpdir(), "lh-worker-out-"));
    const w = start(["--queue", queue, "--concurrency", "1"]);
    await w.waitFor((l) => l.msg === "worker ready");
    const run = submit(queue, out);
    const first = await w.waitFor((l) => l.msg === "batch started");
    w.proc.kill("SIGTERM");
    await w.waitFor((l) => l.msg.startsWith("shutting down"));
    w.proc.kill("SIGTERM");
    expect((await w.proc).exitCode).toBe(0);
    const back = w.lines.find((l) => l.msg === "batch handed back to the queue");
    expect(back).toMatchObject({ batch: first.batch, of: 30 });
    expect(w.lines.some((l) => l.msg === "batch finished")).toBe(false);

    const w2 = start(["--queue", queue]);
    const result = await run;
    expect(result.counts).toMatchObject({ downloaded: small().length, failed: 0 });
    expect(zips(out)).toHaveLength(small().length);
    // The batch resumed where the first worker left it: only the files it had not finished ran again.
    const resumed = await w2.waitFor((l) => l.msg === "batch started" && l.batch === first.batch);
    expect(resumed.todo).toBe(30 - Number(back!.kept));
    w2.proc.kill("SIGTERM");
    await w2.proc;
  }, 90_000);
});
