import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { listQueuedRuns } from "@crypto-lakehouse/executor-bullmq";
import { type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse, startLakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";
import { metricSum, startWorker, type WorkerProc } from "./workers.js";

const START = "2023-07-01";
const END = "2023-07-04";

/** Every bronze zip as `relative path → sha256`. */
function bronze(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of walk(join(root, "bronze")).filter((x) => x.endsWith(".zip")))
    out[relative(root, p)] = sha256(p);
  return out;
}

describe("collect through the queue with lakehouse-worker processes", () => {
  let replica: ServedReplica;
  let redis: RedisServer;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    [replica, redis] = await Promise.all([
      serveReplica({
        markets: ["spot"],
        dataTypes: ["klines", "trades"],
        intervals: ["1h", "1d"],
        start: START,
        end: END,
        rowsPerFile: 20,
        smallFiles: { count: 150, minKb: 4, maxKb: 16 },
      }),
      startRedis(),
    ]);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill("SIGKILL");
    await Promise.allSettled(workers.map((w) => w.proc));
    await Promise.allSettled([replica?.stop(), redis?.stop()]);
  });

  const selection = () => [
    "--endpoint",
    replica.endpoint,
    "--market",
    "spot",
    "--symbols",
    "BTCUSDT,ETHUSDT,SMALL*",
    "--data-types",
    "klines,trades",
    "--intervals",
    "1h,1d",
    "--start",
    START,
    "--end",
    END,
    "--concurrency",
    "2",
    "--batch-size",
    "10",
    "--json",
  ];

  /** The replica files this selection covers: all spot daily klines (1h, 1d) and trades, SMALL* included. */
  const expected = () =>
    replica.manifest.files.filter(
      (f) =>
        f.market === "spot" &&
        f.partition === "daily" &&
        (f.dataType === "trades" || ["1h", "1d"].includes(f.interval ?? "")),
    );

  it("three workers, one SIGKILLed mid-batch: the run completes, bronze equals the replica, and equals an in-process run", async () => {
    const url = `${redis.url}?queue=e2e&backoffMs=200&pollMs=200`;
    const workerArgs = [
      "--queue",
      url,
      "--lock-duration",
      "3000",
      "--stalled-interval",
      "1000",
      "--metrics-port",
      "0",
    ];
    for (let i = 0; i < 3; i++) workers.push(startWorker([...workerArgs, "--name", `w${i}`]));
    await Promise.all(workers.map((w) => w.waitFor((l) => l.msg === "worker ready")));

    const out = tempDir("lh-queue-");
    const collect = startLakehouse(["collect", ...selection(), "--output", out, "--queue", url]);
    // Kill a worker the moment it has a batch in hand: its lock expires and another worker takes the batch over.
    const victim = workers[0]!;
    const started = await victim.waitFor((l) => l.msg === "batch started");
    victim.proc.kill("SIGKILL");
    const res = await collect;
    expect(res.exitCode, String(res.stderr)).toBe(1); // the stale CHECKSUM is a checksum_mismatch: exit 1
    const summary = JSON.parse(String(res.stdout));

    const files = expected();
    const stale = files.filter((f) => f.stale);
    expect(stale.length).toBe(1);
    expect(summary).toMatchObject({ executor: "bullmq", status: "completed_with_failures" });
    expect(summary.counts).toMatchObject({
      downloaded: files.length - stale.length,
      checksum_mismatch: stale.length,
      failed: 0,
      skipped: 0,
    });
    expect(summary.counts.missing).toBeGreaterThanOrEqual(1); // the replica's hole
    expect(summary.planned).toBe(files.length + summary.counts.missing);

    // The killed worker's batch was finished by another worker (stalled-job recovery), not lost.
    const others = workers.slice(1);
    await Promise.any(
      others.map((w) => w.waitFor((l) => l.msg === "batch finished" && l.batch === started.batch, 1_000)),
    );
    expect(others.some((w) => w.lines.some((l) => /stalled/.test(l.msg) && l.batch === started.batch))).toBe(
      true,
    );

    // Bronze equals the replica: every file, byte for byte, and nothing else (no duplicates, no partial names).
    const want = Object.fromEntries(
      files
        .filter((f) => !f.stale)
        .map((f) => [
          join(
            "bronze",
            f.market,
            f.dataType,
            f.partition,
            f.symbol,
            ...(f.interval ? [f.interval] : []),
            f.key.split("/").pop()!,
          ),
          f.sha256,
        ]),
    );
    expect(bronze(out)).toEqual(want);
    expect(walk(join(out, "_meta", "files")).filter((p) => p.endsWith(".zip.json"))).toHaveLength(
      Object.keys(want).length,
    );

    // The same collection in-process: same bronze, same outcome counts.
    const out2 = tempDir("lh-inproc-");
    const inproc = await lakehouse(["collect", ...selection(), "--output", out2]);
    const s2 = JSON.parse(inproc.stdout);
    expect(s2.executor).toBe("in-process");
    expect(s2.counts).toEqual(summary.counts);
    expect(bronze(out2)).toEqual(bronze(out));

    // The workers' counters add up to the run (the killed worker's share of a batch is not counted twice).
    const texts = await Promise.all(others.map(async (w) => (await fetch(await w.metricsUrl())).text()));
    const downloaded = texts.reduce(
      (n, t) => n + metricSum(t, "lakehouse_worker_files_total", '{outcome="downloaded"}'),
      0,
    );
    expect(downloaded).toBeLessThanOrEqual(summary.counts.downloaded);
    expect(texts[0]).toMatch(/^lakehouse_worker_queue_lag_seconds \d/m);

    // Re-submitting the same run (even without resume) returns the stored batch results: no file runs again.
    const before = texts.map((t) => metricSum(t, "lakehouse_worker_files_total"));
    const again = await lakehouse([
      "collect",
      ...selection(),
      "--output",
      out,
      "--queue",
      url,
      "--run-id",
      summary.runId,
      "--no-resume",
    ]);
    const s3 = JSON.parse(again.stdout);
    expect(s3.counts).toEqual(summary.counts);
    const after = await Promise.all(
      others.map(async (w) =>
        metricSum(await (await fetch(await w.metricsUrl())).text(), "lakehouse_worker_files_total"),
      ),
    );
    expect(after).toEqual(before);

    const runs = await listQueuedRuns(url);
    expect(runs.find((r) => r.runId === summary.runId)).toMatchObject({
      status: "completed",
      planComplete: true,
      batches: { waiting: 0, active: 0, failed: 0 },
    });
    // `lakehouse runs --queue` shows the queued run next to the runs recorded in the store.
    const listed = await lakehouse(["runs", "--output", out, "--queue", url, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const doc = JSON.parse(listed.stdout);
    expect(doc.queued.find((r: { runId: string }) => r.runId === summary.runId)?.status).toBe("completed");
    expect(doc.stored.some((r: { runId: string }) => r.runId === summary.runId)).toBe(true);
  }, 180_000);

  it("lakehouse cancel removes a queued run's batches and the submitting collect stops", async () => {
    const url = `${redis.url}?queue=cancel&pollMs=200`; // no worker serves this queue: batches wait
    const out = tempDir("lh-cancel-");
    const collect = startLakehouse([
      "collect",
      ...selection(),
      "--output",
      out,
      "--queue",
      url,
      "--run-id",
      "cancel-me",
    ]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const run = (await listQueuedRuns(url)).find((r) => r.runId === "cancel-me");
      if (run?.planComplete) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await lakehouse(["cancel", "cancel-me", "--queue", url, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r).toMatchObject({ runId: "cancel-me", previous: "running", active: 0 });
    expect(r.removed).toBeGreaterThan(10);
    const done = await collect;
    expect(done.exitCode).toBe(1);
    expect(String(done.stderr)).toMatch(/Run cancel-me was cancelled/);
    // The submitter still ends with the run's summary, kept under _meta/ like any run's.
    const summary = JSON.parse(String(done.stdout));
    expect(summary).toMatchObject({ runId: "cancel-me", status: "cancelled" });
    expect(summary.cancelReason).toMatch(/--run-id cancel-me to finish it/);
    const stored = JSON.parse(readFileSync(join(out, "_meta", "runs", "cancel-me.json"), "utf8"));
    expect(stored).toMatchObject({ runId: "cancel-me", status: "cancelled" });
    const [run] = (await listQueuedRuns(url)).filter((x) => x.runId === "cancel-me");
    expect(run).toMatchObject({ status: "cancelled", batches: { waiting: 0, total: 0 } });

    const unknown = await lakehouse(["cancel", "no-such-run", "--queue", url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No run 'no-such-run'/);
  }, 90_000);
});
