// The executor and the worker loop against a real redis-server: results, re-submission, retries, cancel, hand-back.
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBullmqExecutor } from "./executor.js";
import { cancelRun, listQueuedRuns } from "./runs.js";
import { type QueueWorker, startQueueWorker } from "./worker.js";

let redis: RedisServer;
let queueSeq = 0;
const workers: QueueWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.close({ timeoutMs: 100 })));
  await redis?.stop();
});

/** A fresh queue per test, with fast polling and retries. */
function queueUrl(extra = ""): string {
  return `${redis.url}?queue=t${++queueSeq}&backoffMs=50&pollMs=100${extra}`;
}

function file(i: number): ArchiveFile {
  const day = `2024-01-${String((i % 28) + 1).padStart(2, "0")}`;
  const symbol = `SYM${i}USDT`;
  return {
    market: "spot",
    partition: "daily",
    dataType: "trades",
    symbol,
    period: day,
    key: `data/spot/daily/trades/${symbol}/${symbol}-trades-${day}.zip`,
  };
}

function makeBatches(runId: string, count: number, size: number): Batch[] {
  return Array.from({ length: count }, (_, b) => {
    const files = Array.from({ length: size }, (_, i) => file(b * size + i));
    return { id: batchId(runId, files), index: b, files };
  });
}

/** Yields the batches; `drained` runs once the executor has asked past the last one (all are queued then). */
async function* stream<T>(items: T[], drained?: () => void): AsyncGenerator<T> {
  for (const x of items) yield x;
  drained?.();
}

const JOB: CollectJob = {
  runId: "",
  downloader: { id: "sdk", settings: {} },
  storage: { id: "local", options: { root: "/tmp/x" } },
  verify: true,
};

/** Runs a collection's batches through the executor; returns what `onFile`/`onBytes` saw. */
async function submit(url: string, runId: string, batches: Batch[], drained?: () => void) {
  const seen: FileResult[] = [];
  let bytes = 0;
  const ex = createBullmqExecutor(url);
  await ex.run({
    runId,
    batches: stream(batches, drained),
    processor: async () => {
      throw new Error("the queue executor must not process in the submitter");
    },
    job: { ...JOB, runId },
    concurrency: 4,
    onFile: (r) => seen.push(r),
    onBytes: (n) => {
      bytes += n;
    },
  });
  return { seen, bytes };
}

/** A processor that "downloads" every file (100 bytes each) and records what it was asked to do. */
function recordingProcessor(
  calls: string[][],
  outcomeOf: (f: ArchiveFile, attempt: number) => FileResult["outcome"] = () => "downloaded",
): BatchProcessor {
  const attempts = new Map<string, number>();
  return async (batch, ctx) => {
    calls.push(batch.files.map((f) => f.key));
    const out: FileResult[] = [];
    for (const f of batch.files) {
      const n = (attempts.get(f.key) ?? 0) + 1;
      attempts.set(f.key, n);
      const outcome = outcomeOf(f, n);
      const r: FileResult = {
        file: f,
        outcome,
        bytes: outcome === "downloaded" ? 100 : 0,
        durationMs: 1,
        ...(outcome !== "downloaded" ? { reason: `${outcome} on attempt ${n}` } : {}),
      };
      if (r.bytes) ctx.onBytes?.(r.bytes);
      ctx.onFile?.(r);
      out.push(r);
    }
    return out;
  };
}

async function worker(
  url: string,
  processor: BatchProcessor | (() => Promise<BatchProcessor>),
  extra: Partial<Parameters<typeof startQueueWorker>[0]> = {},
): Promise<QueueWorker> {
  const w = await startQueueWorker({
    queue: url,
    processorFor:
      typeof processor === "function" && processor.length === 0
        ? (processor as () => Promise<BatchProcessor>)
        : async () => processor as BatchProcessor,
    progressMs: 50,
    cancelPollMs: 50,
    ...extra,
  });
  workers.push(w);
  return w;
}

describe("bullmq executor + queue worker", () => {
  it("runs every batch on the workers, job id = batch id, and reports each file exactly once", async () => {
    const url = queueUrl();
    const calls: string[][] = [];
    const p = recordingProcessor(calls);
    const ws = [await worker(url, p), await worker(url, p, { batches: 2 })];
    const batches = makeBatches("run-a", 8, 5);
    const { seen, bytes } = await submit(url, "run-a", batches);
    expect(seen).toHaveLength(40);
    expect(new Set(seen.map((r) => r.file.key)).size).toBe(40);
    expect(seen.every((r) => r.outcome === "downloaded" && r.file.symbol.startsWith("SYM"))).toBe(true);
    expect(bytes).toBe(4000);
    expect(calls.flat()).toHaveLength(40);

    const q = new Queue(url.match(/queue=(\w+)/)![1]!, {
      connection: new Redis(redis.url, { maxRetriesPerRequest: null }),
      prefix: "lakehouse",
    });
    expect((await q.getRanges(["completed"], 0, -1)).sort()).toEqual(batches.map((b) => b.id).sort());
    await q.close();

    const [run] = await listQueuedRuns(url);
    expect(run).toMatchObject({
      runId: "run-a",
      status: "completed",
      planComplete: true,
      files: { queued: 40, done: 40 },
      bytes: 4000,
    });
    expect(run!.batches).toMatchObject({ completed: 8, waiting: 0, active: 0, failed: 0, total: 8 });
    expect(run!.counts.downloaded).toBe(40);
    await Promise.all(ws.map((w) => w.close()));
  });

  it("a re-submitted run returns the stored results of finished batches instead of running them again", async () => {
    const url = queueUrl();
    const calls: string[][] = [];
    const w = await worker(url, recordingProcessor(calls));
    const batches = makeBatches("run-b", 4, 3);
    await submit(url, "run-b", batches);
    expect(calls).toHaveLength(4);
    const again = await submit(url, "run-b", batches);
    expect(calls).toHaveLength(4);
    expect(again.seen.map((r) => r.outcome)).toEqual(Array(12).fill("downloaded"));
    const [run] = await listQueuedRuns(url);
    expect(run!.files).toEqual({ queued: 12, done: 12 });
    await w.close();
  });

  it("a re-submission while batches still wait follows them instead of queueing the files again", async () => {
    const url = queueUrl();
    const batches = makeBatches("run-c", 3, 4);
    // First submitter, with no worker yet: its batches wait.
    const first = createBullmqExecutor(url);
    const firstRun = first.run({
      runId: "run-c",
      batches: stream(batches),
      processor: async () => [],
      job: { ...JOB, runId: "run-c" },
      concurrency: 1,
      onFile: () => {},
    });
    await until(async () => (await listQueuedRuns(url))[0]?.batches.waiting === 3);
    // Re-submit with the first half of the plan re-batched differently (as after partial progress).
    const regrouped: Batch[] = [
      {
        id: batchId("run-c", batches[0]!.files.slice(1)),
        index: 0,
        files: [...batches[0]!.files.slice(1), ...batches[1]!.files],
      },
      batches[2]!,
    ];
    const calls: string[][] = [];
    let queued = false;
    const second = submit(url, "run-c", regrouped, () => {
      queued = true;
    });
    await until(() => queued);
    expect((await listQueuedRuns(url))[0]!.batches.total).toBe(3);
    await worker(url, recordingProcessor(calls));
    const { seen } = await second;
    expect(seen).toHaveLength(11);
    expect(new Set(seen.map((r) => r.file.key)).size).toBe(11);
    // Every file ran once: the regrouped batch was not queued, its files were awaited in the original jobs.
    expect(calls.flat().sort()).toEqual(batches.flatMap((b) => b.files.map((f) => f.key)).sort());
    await firstRun;
  });

  it("retries a batch whose files failed, keeping what finished; missing and checksum_mismatch are final", async () => {
    const url = queueUrl("&attempts=3");
    const calls: string[][] = [];
    const batches = makeBatches("run-d", 1, 4);
    const [a, b, c] = batches[0]!.files;
    const outcome = (f: ArchiveFile, n: number): FileResult["outcome"] =>
      f.key === a!.key
        ? n < 3
          ? "failed"
          : "downloaded"
        : f.key === b!.key
          ? "missing"
          : f.key === c!.key
            ? "checksum_mismatch"
            : "downloaded";
    await worker(url, recordingProcessor(calls, outcome));
    const { seen } = await submit(url, "run-d", batches);
    expect(calls).toEqual([batches[0]!.files.map((f) => f.key), [a!.key], [a!.key]]);
    const by = Object.fromEntries(seen.map((r) => [r.file.key, r.outcome]));
    expect(by).toEqual({
      [a!.key]: "downloaded",
      [b!.key]: "missing",
      [c!.key]: "checksum_mismatch",
      [batches[0]!.files[3]!.key]: "downloaded",
    });
    expect(seen).toHaveLength(4);
  });

  it("after the last attempt, still-failed files are reported failed with their reason", async () => {
    const url = queueUrl("&attempts=2");
    const calls: string[][] = [];
    const batches = makeBatches("run-e", 1, 2);
    const bad = batches[0]!.files[0]!.key;
    await worker(
      url,
      recordingProcessor(calls, (f) => (f.key === bad ? "failed" : "downloaded")),
    );
    const { seen } = await submit(url, "run-e", batches);
    expect(calls).toHaveLength(2);
    const failed = seen.find((r) => r.file.key === bad)!;
    expect(failed).toMatchObject({ outcome: "failed", reason: "failed on attempt 2" });
    expect(seen).toHaveLength(2);
  });

  it("a permanent error fails the batch at once and its files are reported failed, not lost", async () => {
    const url = queueUrl("&attempts=5");
    let built = 0;
    await worker(url, async () => {
      built++;
      throw new LakehouseError("UNSUPPORTED", "Job run-f: unknown storage 'nfs'");
    });
    const { seen } = await submit(url, "run-f", makeBatches("run-f", 2, 3));
    expect(seen).toHaveLength(6);
    expect(seen.every((r) => r.outcome === "failed" && /unknown storage 'nfs'/.test(r.reason ?? ""))).toBe(
      true,
    );
    expect(built).toBe(2);
  });

  it("cancelRun removes the run's waiting batches and the submitter stops with CANCELLED", async () => {
    const url = queueUrl();
    const running = submit(url, "run-g", makeBatches("run-g", 5, 2));
    const outcome = running.then(
      () => "resolved",
      (e: unknown) => (e instanceof LakehouseError ? e.code : String(e)),
    );
    await until(async () => (await listQueuedRuns(url))[0]?.batches.waiting === 5);
    const res = await cancelRun(url, "run-g");
    expect(res).toMatchObject({ runId: "run-g", removed: 5, active: 0, previous: "running" });
    expect(await outcome).toBe("CANCELLED");
    const [run] = await listQueuedRuns(url);
    expect(run).toMatchObject({ status: "cancelled", batches: { total: 0 } });
    await expect(cancelRun(url, "no-such-run")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a running batch stops when its run is cancelled", async () => {
    const url = queueUrl();
    let started = 0;
    await worker(url, async (batch, ctx) => {
      started++;
      await new Promise<void>((r) => ctx.signal?.addEventListener("abort", () => r()));
      return batch.files.map((f) => ({
        file: f,
        outcome: "failed" as const,
        bytes: 0,
        durationMs: 0,
        reason: "cancelled",
      }));
    });
    const outcome = submit(url, "run-h", makeBatches("run-h", 1, 2)).then(
      () => "resolved",
      (e: unknown) => (e as LakehouseError).code,
    );
    await until(async () => started === 1);
    expect(await cancelRun(url, "run-h")).toMatchObject({ active: 1 });
    expect(await outcome).toBe("CANCELLED");
    await until(async () => (await listQueuedRuns(url))[0]?.batches.failed === 1);
  });

  it("on shutdown a batch is handed back with its finished files kept, and another worker completes it", async () => {
    const url = queueUrl();
    const batches = makeBatches("run-i", 1, 4);
    const firstCalls: string[][] = [];
    // The first worker finishes two files, then hangs until it is told to stop.
    const slow = await worker(url, async (batch, ctx) => {
      firstCalls.push(batch.files.map((f) => f.key));
      const out: FileResult[] = [];
      for (const f of batch.files.slice(0, 2)) {
        const r: FileResult = { file: f, outcome: "downloaded", bytes: 100, durationMs: 1 };
        ctx.onFile?.(r);
        out.push(r);
      }
      await new Promise<void>((r) => ctx.signal?.addEventListener("abort", () => r()));
      for (const f of batch.files.slice(2))
        out.push({ file: f, outcome: "failed", bytes: 0, durationMs: 1, reason: "cancelled" });
      return out;
    });
    const run = submit(url, "run-i", batches);
    await until(async () => firstCalls.length === 1);
    await slow.close({ timeoutMs: 50 });
    const calls: string[][] = [];
    await worker(url, recordingProcessor(calls));
    const { seen } = await run;
    expect(calls).toEqual([batches[0]!.files.slice(2).map((f) => f.key)]);
    expect(seen.map((r) => r.outcome)).toEqual(Array(4).fill("downloaded"));
  });
});

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
