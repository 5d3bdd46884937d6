// The consuming side: takes batch jobs off the queue and runs them through the pipeline the app builds for each
// job (`processorFor`). Publishes live progress, keeps finished files across retries, honours cancellation,
// and hands a batch back to the queue on shutdown.
import { hostname } from "node:os";
import {
  type BatchProcessor,
  type FileResult,
  isLakehouseError,
  type Logger,
  type QueueJob,
  redactUrlsIn,
  silentLogger,
} from "@crypto-lakehouse/core";
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { assertReachable, connect, disconnect, quiet } from "./connection.js";
import {
  type BatchJobData,
  type BatchJobResult,
  type BatchProgress,
  type StoredResult,
  toStored,
} from "./jobs.js";
import { type BullmqOptions, redactUrl, resolveOptions } from "./options.js";
import { addRunCounts, isStopped, runStatus } from "./runs.js";

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

interface Running {
  abort: AbortController;
  handBack: boolean;
  cancelled: boolean;
}

/**
 * The error to rethrow for a retry: BullMQ keeps its message (and stack) in Redis as the job's failedReason, so
 * one that quoted a URL's credentials is replaced by the masked `msg`; any other is kept, stack and all.
 */
function retryable(e: unknown, msg: string): unknown {
  const said = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e);
  return redactUrlsIn(said) === said ? e : new Error(msg);
}

/** Only errors that say so are worth a retry; a bad job stays bad on every worker. */
function isPermanent(e: unknown): boolean {
  return (
    isLakehouseError(e) &&
    !e.retryable &&
    e.code !== "NETWORK" &&
    e.code !== "STORAGE_FAILED" &&
    e.code !== "DOWNLOAD_FAILED"
  );
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const o = resolveOptions(opts.queue);
  const log = opts.logger ?? silentLogger;
  const hooks = opts.hooks ?? {};
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const progressMs = opts.progressMs ?? 500;
  const persistMs = opts.persistMs ?? 5_000;
  const cancelPollMs = opts.cancelPollMs ?? 1_000;
  const running = new Map<string, Running>();
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

  async function processBatch(
    job: Job<BatchJobData, BatchJobResult>,
    token?: string,
  ): Promise<BatchJobResult> {
    const d = job.data;
    const jobId = job.id!;
    const started = Date.now();
    const attempt = job.attemptsMade + 1;
    const base = {
      runId: d.runId,
      jobId,
      files: d.files.length,
      attempt,
      waitedMs: Math.max(0, (job.processedOn ?? started) - job.timestamp),
    };
    const end = (how: BatchEnd, error?: string, results?: readonly StoredResult[]) =>
      hooks.onBatch?.(
        { ...base, end: how, durationMs: Date.now() - started, ...(error ? { error } : {}) },
        results,
      );
    const blog = log.child({ runId: d.runId, batch: jobId, attempt });

    // A batch of a stopped run ends without work: `cancelled` also counts those of a run whose submitter failed.
    const status = await runStatus(redis, o, d.runId);
    if (isStopped(status)) {
      end("cancelled");
      throw new UnrecoverableError(
        status === "failed"
          ? `run ${d.runId} failed (its submitter stopped with an error); its queued batches are not run`
          : `run ${d.runId} was cancelled`,
      );
    }
    let processor: BatchProcessor;
    try {
      processor = await opts.processorFor(d.job);
    } catch (e) {
      // The message becomes the job's failedReason in Redis and the files' reason in the run summary.
      const msg = redactUrlsIn(isLakehouseError(e) ? e.describe() : (e as Error).message);
      blog.error("cannot build the pipeline for this batch", { error: msg });
      end("failed", msg);
      throw isPermanent(e) ? new UnrecoverableError(msg) : retryable(e, msg);
    }

    const done = new Map((d.done ?? []).map((r) => [r.key, r]));
    const todo = d.files.filter((f) => !done.has(f.key));
    const state: Running = { abort: new AbortController(), handBack: false, cancelled: false };
    running.set(jobId, state);
    blog.info("batch started", { files: d.files.length, todo: todo.length, waitedMs: base.waitedMs });

    let fresh: StoredResult[] = [];
    let bytes = 0;
    let dirty = false;
    const onFile = (r: FileResult) => {
      hooks.onFile?.(r, d.runId);
      if (r.outcome === "failed") return; // held back: the batch may be retried
      const s = toStored(r);
      done.set(s.key, s);
      fresh.push(s);
      dirty = true;
    };
    const onBytes = (n: number) => {
      bytes += n;
      dirty = true;
      hooks.onBytes?.(n);
    };
    // Finished files also go into the job's data (every `persistMs`: it rewrites the whole batch), so a retry or
    // a worker taking over a stalled batch skips them.
    let persisted = done.size;
    let persistedAt = Date.now();
    const persist = async () => {
      if (done.size === persisted) return;
      persisted = done.size;
      persistedAt = Date.now();
      await job.updateData({ ...d, done: [...done.values()] });
    };
    const flush = async () => {
      if (Date.now() - persistedAt >= persistMs) await persist();
      if (!dirty) return;
      dirty = false;
      const results = fresh;
      fresh = [];
      const p: BatchProgress = { bytes, results };
      await job.updateProgress(p as never);
    };
    let flushing: Promise<void> = Promise.resolve();
    const progressTimer = setInterval(() => {
      flushing = flushing
        .then(flush)
        .catch((e) => blog.warn("could not publish progress", { error: (e as Error).message }));
    }, progressMs);
    // Only a cancel stops a running batch: one of a run whose submitter failed finishes, as in-process, and its
    // results are kept for a re-submission.
    const cancelTimer = setInterval(() => {
      runStatus(redis, o, d.runId)
        .then((s) => {
          if (s === "cancelled" && !state.cancelled) {
            state.cancelled = true;
            state.abort.abort();
          }
        })
        .catch(() => {});
    }, cancelPollMs);

    let results: FileResult[] = [];
    let error: unknown;
    try {
      results = await processor(
        { id: jobId, index: d.index, files: todo },
        { signal: state.abort.signal, onFile, onBytes },
      );
    } catch (e) {
      error = e;
    } finally {
      clearInterval(progressTimer);
      clearInterval(cancelTimer);
      running.delete(jobId);
      await flushing;
    }
    if (state.cancelled) {
      await persist().catch(() => {});
      blog.warn("batch stopped: its run was cancelled");
      end("cancelled");
      throw new UnrecoverableError(`run ${d.runId} was cancelled`);
    }
    if (state.handBack) {
      await persist();
      await job.moveToWait(token);
      blog.info("batch handed back to the queue", { kept: done.size, of: d.files.length });
      end("handed_back");
      throw new WaitingError();
    }
    if (error !== undefined) {
      const msg = redactUrlsIn(isLakehouseError(error) ? error.describe() : (error as Error).message);
      blog.error("batch crashed", { error: msg });
      end(isPermanent(error) ? "failed" : "retry", msg);
      await persist().catch(() => {});
      throw isPermanent(error) ? new UnrecoverableError(msg) : retryable(error, msg);
    }
    await flush();
    const failed = results.filter((r) => r.outcome === "failed").map(toStored);
    const all = [...done.values(), ...failed];
    const maxAttempts = job.opts.attempts ?? 1;
    if (failed.length && attempt < maxAttempts) {
      const msg = `${failed.length} of ${d.files.length} file(s) failed (${failed[0]!.key}: ${failed[0]!.reason ?? "failed"}); retrying the batch`;
      await persist();
      blog.warn(msg);
      end("retry", msg);
      throw new Error(msg);
    }
    blog.info("batch finished", { files: all.length, failed: failed.length, ms: Date.now() - started });
    end("completed", undefined, all);
    return { results: all };
  }

  const worker = new Worker<BatchJobData, BatchJobResult>(o.queue, processBatch, {
    connection: workerConn,
    prefix: o.prefix,
    name,
    concurrency: opts.batches ?? 1,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    autorun: false,
  });
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
    async stats() {
      const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed");
      const [oldest] = await queue.getJobs(["waiting"], 0, 0, true);
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        oldestWaitingMs: oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0,
      };
    },
  };
}
