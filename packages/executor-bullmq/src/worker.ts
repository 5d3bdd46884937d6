// The consuming side: takes batch jobs off the queue and runs them through the pipeline the app builds for each
// job (`processorFor`). Publishes live progress, keeps finished files across retries, honours cancellation,
// and hands a batch back to the queue on shutdown.
import { hostname } from "node:os";
import {
  type BatchProcessor,
  type FileResult,
  type Logger,
  type QueueJob,
  silentLogger,
} from "@crypto-lakehouse/core";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type BatchContext, processBatch, type Running } from "./batch.js";
import { assertReachable, connect, disconnect, quiet } from "./connection.js";
import type { BatchJobData, BatchJobResult, StoredResult } from "./jobs.js";
import { type BullmqOptions, type ResolvedBullmqOptions, redactUrl, resolveOptions } from "./options.js";
import { addRunCounts } from "./runs.js";

export type BatchEnd = "completed" | "retry" | "failed" | "handed_back" | "cancelled";

export interface BatchEvent {
  runId: string;
  jobId: string;
  files: number;
  end: BatchEnd;
  durationMs: number;
  /** Time the batch waited in the queue before this attempt started. */
  waitedMs: number;
  attempt: number;
  error?: string;
}

export interface QueueWorkerHooks {
  /** Every file result of every attempt (a retried `failed` file shows up once per attempt). */
  onFile?(r: FileResult, runId: string): void;
  onBytes?(n: number): void;
  /** A batch attempt ended; for `completed`, `results` are the batch's final results. */
  onBatch?(e: BatchEvent, results?: readonly StoredResult[]): void;
}

export interface QueueWorkerOptions {
  /** Redis URL (query parameters as for the executor) or the options object. */
  queue: string | BullmqOptions;
  /**
   * Builds (or reuses) the batch pipeline for a job: download, verify, store, record — or, for a job of another
   * kind (`jobKind`), that kind's processor (e.g. silver conversion).
   */
  processorFor(job: QueueJob): Promise<BatchProcessor>;
  /** Batches this worker runs at once (default 1; each batch downloads its files in parallel already). */
  batches?: number;
  /** How long a batch's lock lives without renewal; a worker killed mid-batch loses it after this (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled batches (lock lost) are looked for and put back on the queue (default 30 s). */
  stalledIntervalMs?: number;
  /** Times a batch may stall before it fails (default 2). */
  maxStalledCount?: number;
  /** Live progress period (default 500 ms). */
  progressMs?: number;
  /** How often finished files are saved into the batch's job, for a worker that takes it over (default 5 s). */
  persistMs?: number;
  /** How often a running batch checks whether its run was cancelled (default 1 s). */
  cancelPollMs?: number;
  name?: string;
  logger?: Logger;
  hooks?: QueueWorkerHooks;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  /** Age of the oldest batch waiting to be picked up (0 when none waits). */
  oldestWaitingMs: number;
}

export interface QueueWorker {
  readonly name: string;
  /** Batches running in this worker now. */
  readonly running: number;
  /** Stops taking batches and lets the current ones finish; after `timeoutMs` hands them back to the queue. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  /** Stops the current batches now and puts them back on the queue (their finished files are kept). */
  handBack(): void;
  stats(): Promise<QueueStats>;
}

type BatchQueue = Queue<BatchJobData, BatchJobResult>;

/** Two connections (BullMQ's worker blocks one), checked before anything starts. */
async function connectQueue(
  o: ResolvedBullmqOptions,
  log: Logger,
): Promise<{ redis: Redis; workerConn: Redis; queue: BatchQueue }> {
  const redis = connect(o.url, (e) =>
    log.warn("lost the connection to Redis; reconnecting", { error: e.message }),
  );
  const workerConn = connect(o.url);
  try {
    await assertReachable(redis, o.url);
  } catch (e) {
    await disconnect(redis, workerConn);
    throw e;
  }
  const queue = quiet(
    new Queue<BatchJobData, BatchJobResult>(o.queue, { connection: redis, prefix: o.prefix }),
  );
  return { redis, workerConn, queue };
}

function createWorker(
  ctx: BatchContext,
  workerConn: Redis,
  name: string,
): Worker<BatchJobData, BatchJobResult> {
  const { o, opts, log, redis } = ctx;
  const worker = new Worker<BatchJobData, BatchJobResult>(
    o.queue,
    (job, token) => processBatch(ctx, job, token),
    {
      connection: workerConn,
      prefix: o.prefix,
      name,
      concurrency: opts.batches ?? 1,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 2,
      autorun: false,
    },
  );
  worker.on("completed", (job, result) => {
    addRunCounts(redis, o, job.data.runId, result.results).catch((e) =>
      log.warn("could not update the run's counters", { error: (e as Error).message }),
    );
  });
  worker.on("failed", (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
      log.error("batch failed for good", { batch: job.id, error: err.message });
  });
  worker.on("error", (e) => log.error("queue error", { error: e.message }));
  worker.on("stalled", (jobId) =>
    log.warn("a batch stalled (its worker died?); it goes back to the queue", { batch: jobId }),
  );
  return worker;
}

async function queueStats(queue: BatchQueue): Promise<QueueStats> {
  const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed");
  const [oldest] = await queue.getJobs(["waiting"], 0, 0, true);
  return {
    waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    oldestWaitingMs: oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0,
  };
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const o = resolveOptions(opts.queue);
  const log = opts.logger ?? silentLogger;
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const running = new Map<string, Running>();
  const { redis, workerConn, queue } = await connectQueue(o, log);
  const worker = createWorker({ o, redis, opts, log, running }, workerConn, name);
  void worker.run();
  await worker.waitUntilReady();
  log.info("worker ready", { queue: o.queue, redis: redactUrl(o.url), batches: opts.batches ?? 1, name });

  const handBack = () => {
    for (const r of running.values()) {
      r.handBack = true;
      r.abort.abort();
    }
  };
  let closing: Promise<void> | undefined;
  return {
    name,
    get running() {
      return running.size;
    },
    handBack,
    close({ timeoutMs = 60_000 } = {}) {
      closing ??= (async () => {
        const timer = setTimeout(() => {
          if (running.size)
            log.warn("shutdown grace time is over; handing the current batches back", {
              batches: running.size,
            });
          handBack();
        }, timeoutMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
          await queue.close().catch(() => {});
          await disconnect(redis, workerConn);
        }
      })();
      return closing;
    },
    stats: () => queueStats(queue),
  };
}
