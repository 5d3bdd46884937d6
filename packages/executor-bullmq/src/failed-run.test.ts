// A submitter that fails with an error, against a real redis-server: its run is marked failed (masked reason),
// batches not started are removed or refused, a running one finishes, and `--run-id` re-submission completes it.
import {
  type ArchiveFile,
  type Batch,
  type BatchProcessor,
  type CollectJob,
  type FileResult,
  LakehouseError,
} from "@crypto-lakehouse/core";
import { batchId } from "@crypto-lakehouse/engine";
import { type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBullmqExecutor } from "./executor.js";
import { type BatchJobData, jobOptions } from "./jobs.js";
import { resolveOptions } from "./options.js";
import { listQueuedRuns } from "./runs.js";
import { type QueueWorker, startQueueWorker } from "./worker.js";

let redis: RedisServer;
let worker: QueueWorker | undefined;
/** Lets the batch held in the worker finish (also on a failed assertion, so the worker can close). */
let release: () => void = () => {};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  release();
  await worker?.close({ timeoutMs: 100 });
  await redis?.stop();
});

const RUN = "run-failed";
const JOB: CollectJob = {
  runId: RUN,
  downloader: { id: "sdk", settings: {} },
  storage: { id: "local", options: { root: "/tmp/x" } },
  verify: true,
};

function batch(index: number): Batch {
  const files: ArchiveFile[] = [0, 1].map((i) => {
    const symbol = `SYM${index * 2 + i}USDT`;
    return {
      market: "spot",
      partition: "daily",
      dataType: "trades",
      symbol,
      period: "2024-01-01",
      key: `data/spot/daily/trades/${symbol}/${symbol}-trades-2024-01-01.zip`,
    };
  });
  return { id: batchId(RUN, files), index, files };
}

/** Polls until `check` holds; fails with `what` after 20 s instead of hanging until the test's timeout. */
async function until(check: () => Promise<boolean> | boolean, what = "the condition"): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function submit(url: string, batches: AsyncIterable<Batch>, seen: FileResult[] = []): Promise<void> {
  return createBullmqExecutor(url).run({
    runId: RUN,
    batches,
    processor: async () => {
      throw new Error("the queue executor must not process in the submitter");
    },
    job: JOB,
    concurrency: 2,
    onFile: (r) => seen.push(r),
  });
}

it("a failed submitter marks its run failed; its batches not started are not run; --run-id completes it", async () => {
  const url = `${redis.url}?queue=failed&backoffMs=50&pollMs=100`;
  const batches = [batch(0), batch(1), batch(2)];
  const calls: string[] = [];
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const processor: BatchProcessor = async (b, ctx) => {
    calls.push(b.id);
    await gate;
    return b.files.map((file) => {
      const r: FileResult = { file, outcome: "downloaded", bytes: 100, durationMs: 1 };
      ctx.onFile?.(r);
      return r;
    });
  };
  // One batch at a time: the first is running (held at the gate) while the others wait in the queue.
  worker = await startQueueWorker({ queue: url, processorFor: async () => processor, progressMs: 50 });

  // The plan fails (as a listing would) once all three batches are queued and the first is running.
  const error = new LakehouseError(
    "NETWORK",
    "listing https://user:hunter2@archive.example/data/ failed: ECONNREFUSED",
  );
  async function* failing(): AsyncGenerator<Batch> {
    yield* batches;
    await until(() => calls.length === 1);
    throw error;
  }
  await expect(submit(url, failing())).rejects.toBe(error);

  let [run] = await listQueuedRuns(url);
  expect(run).toMatchObject({
    runId: RUN,
    status: "failed",
    error: "listing https://user:***@archive.example/data/ failed: ECONNREFUSED",
    files: { queued: 6, done: 0 },
    batches: { waiting: 0, active: 1, total: 1 },
  });
  expect(JSON.stringify(run)).not.toContain("hunter2");

  // A batch that escaped the removal (a worker locked it just then) ends without work once its turn comes.
  const o = resolveOptions(url);
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue<BatchJobData>(o.queue, { connection: conn, prefix: o.prefix });
  try {
    const b1 = batches[1]!;
    await queue.add("batch", { v: 1, runId: RUN, index: 1, files: b1.files, job: JOB }, jobOptions(o, b1.id));
    release(); // the running batch finishes: its results are kept for the re-submission
    let state = "";
    await until(async () => {
      state = await queue.getJobState(b1.id);
      return state === "failed" || state === "completed";
    });
    expect(state).toBe("failed");
    expect((await queue.getJob(b1.id))?.failedReason).toMatch(
      /run run-failed failed \(its submitter stopped/,
    );
  } finally {
    await queue.close();
    await conn.quit();
  }
  expect(calls).toEqual([batches[0]!.id]);
  [run] = await listQueuedRuns(url);
  expect(run).toMatchObject({
    status: "failed",
    files: { done: 2 },
    batches: { completed: 1, failed: 1, waiting: 0, active: 0 },
  });

  // The same run again (`--run-id`): the finished batch's results are reused, the rest runs; the run completes.
  const seen: FileResult[] = [];
  async function* all(): AsyncGenerator<Batch> {
    yield* batches;
  }
  await submit(url, all(), seen);
  expect(seen.map((r) => r.outcome)).toEqual(Array(6).fill("downloaded"));
  expect([...calls].sort()).toEqual(batches.map((b) => b.id).sort());
  [run] = await listQueuedRuns(url);
  expect(run?.status).toBe("completed");
  expect(run?.error).toBeUndefined();
});
