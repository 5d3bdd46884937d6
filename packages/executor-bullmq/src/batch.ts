// One batch on a worker: checks its run is still wanted, runs it through the pipeline the app builds, publishes
// progress, keeps finished files across retries, honours cancellation and hand-back, and decides how the attempt
// ends (completed, retry, failed, handed back, cancelled).
import {
  type BatchProcessor,
  type FileResult,
  isLakehouseError,
  type Logger,
  redactUrlsIn,
} from "@crypto-lakehouse/core";
import { type Job, UnrecoverableError, WaitingError } from "bullmq";
import type { Redis } from "ioredis";
import {
  type BatchJobData,
  type BatchJobResult,
  type BatchProgress,
  type StoredResult,
  toStored,
} from "./jobs.js";
import type { ResolvedBullmqOptions } from "./options.js";
import { isStopped, runStatus } from "./runs.js";
import type { BatchEnd, QueueWorkerOptions } from "./worker.js";

/** A batch running in this worker: how to stop it, and why it was stopped. */
export interface Running {
  abort: AbortController;
  handBack: boolean;
  cancelled: boolean;
}

/** What every batch of a worker shares. */
export interface BatchContext {
  o: ResolvedBullmqOptions;
  redis: Redis;
  opts: QueueWorkerOptions;
  log: Logger;
  running: Map<string, Running>;
}

type BatchJob = Job<BatchJobData, BatchJobResult>;
type End = (how: BatchEnd, error?: string, results?: readonly StoredResult[]) => void;

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

const describe = (e: unknown) => redactUrlsIn(isLakehouseError(e) ? e.describe() : (e as Error).message);

/** A batch of a stopped run ends without work: `cancelled` also counts those of a run whose submitter failed. */
async function refuseStopped(c: BatchContext, d: BatchJobData, end: End): Promise<void> {
  const status = await runStatus(c.redis, c.o, d.runId);
  if (!isStopped(status)) return;
  end("cancelled");
  throw new UnrecoverableError(
    status === "failed"
      ? `run ${d.runId} failed (its submitter stopped with an error); its queued batches are not run`
      : `run ${d.runId} was cancelled`,
  );
}

async function pipelineFor(c: BatchContext, d: BatchJobData, log: Logger, end: End): Promise<BatchProcessor> {
  try {
    return await c.opts.processorFor(d.job);
  } catch (e) {
    // The message becomes the job's failedReason in Redis and the files' reason in the run summary.
    const msg = describe(e);
    log.error("cannot build the pipeline for this batch", { error: msg });
    end("failed", msg);
    throw isPermanent(e) ? new UnrecoverableError(msg) : retryable(e, msg);
  }
}

/**
 * Finished files: kept in `done`, published as live progress every `progressMs`, and saved into the job's data
 * every `persistMs` (it rewrites the whole batch), so a retry or a worker taking over a stalled batch skips them.
 */
function progressOf(c: BatchContext, job: BatchJob, done: Map<string, StoredResult>, log: Logger) {
  const hooks = c.opts.hooks ?? {};
  const d = job.data;
  let fresh: StoredResult[] = [];
  let bytes = 0;
  let dirty = false;
  let persisted = done.size;
  let persistedAt = Date.now();
  const persist = async () => {
    if (done.size === persisted) return;
    persisted = done.size;
    persistedAt = Date.now();
    await job.updateData({ ...d, done: [...done.values()] });
  };
  const flush = async () => {
    if (Date.now() - persistedAt >= (c.opts.persistMs ?? 5_000)) await persist();
    if (!dirty) return;
    dirty = false;
    const p: BatchProgress = { bytes, results: fresh };
    fresh = [];
    await job.updateProgress(p as never);
  };
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing
      .then(flush)
      .catch((e) => log.warn("could not publish progress", { error: (e as Error).message }));
  }, c.opts.progressMs ?? 500);
  return {
    persist,
    flush,
    onFile(r: FileResult) {
      hooks.onFile?.(r, d.runId);
      if (r.outcome === "failed") return; // held back: the batch may be retried
      const s = toStored(r);
      done.set(s.key, s);
      fresh.push(s);
      dirty = true;
    },
    onBytes(n: number) {
      bytes += n;
      dirty = true;
      hooks.onBytes?.(n);
    },
    async stop() {
      clearInterval(timer);
      await flushing;
    },
  };
}

/** Only a cancel stops a running batch: one of a run whose submitter failed finishes, as in-process. */
function watchCancel(c: BatchContext, runId: string, state: Running): NodeJS.Timeout {
  return setInterval(() => {
    runStatus(c.redis, c.o, runId)
      .then((s) => {
        if (s === "cancelled" && !state.cancelled) {
          state.cancelled = true;
          state.abort.abort();
        }
      })
      .catch(() => {});
  }, c.opts.cancelPollMs ?? 1_000);
}

/** Runs one attempt of a batch job (BullMQ's processor function). */
export async function processBatch(c: BatchContext, job: BatchJob, token?: string): Promise<BatchJobResult> {
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
  const end: End = (how, error, results) =>
    c.opts.hooks?.onBatch?.(
      { ...base, end: how, durationMs: Date.now() - started, ...(error ? { error } : {}) },
      results,
    );
  const log = c.log.child({ runId: d.runId, batch: jobId, attempt });
  await refuseStopped(c, d, end);
  const processor = await pipelineFor(c, d, log, end);

  const done = new Map((d.done ?? []).map((r) => [r.key, r]));
  const todo = d.files.filter((f) => !done.has(f.key));
  const state: Running = { abort: new AbortController(), handBack: false, cancelled: false };
  c.running.set(jobId, state);
  log.info("batch started", { files: d.files.length, todo: todo.length, waitedMs: base.waitedMs });
  const progress = progressOf(c, job, done, log);
  const cancelTimer = watchCancel(c, d.runId, state);
  let results: FileResult[] = [];
  let error: unknown;
  try {
    results = await processor(
      { id: jobId, index: d.index, files: todo },
      { signal: state.abort.signal, onFile: progress.onFile, onBytes: progress.onBytes },
    );
  } catch (e) {
    error = e;
  } finally {
    clearInterval(cancelTimer);
    c.running.delete(jobId);
    await progress.stop();
  }
  const attemptOf = { job, token, state, error, results, done, progress, log, end, started };
  return settleAttempt(attemptOf);
}

/** How an attempt ends: cancelled, handed back, crashed (retry or not), files to retry, or completed. */
async function settleAttempt(a: {
  job: BatchJob;
  token: string | undefined;
  state: Running;
  error: unknown;
  results: FileResult[];
  done: Map<string, StoredResult>;
  progress: { persist(): Promise<void>; flush(): Promise<void> };
  log: Logger;
  end: End;
  started: number;
}): Promise<BatchJobResult> {
  const { job, state, error, done, progress, log, end } = a;
  const d = job.data;
  if (state.cancelled) {
    await progress.persist().catch(() => {});
    log.warn("batch stopped: its run was cancelled");
    end("cancelled");
    throw new UnrecoverableError(`run ${d.runId} was cancelled`);
  }
  if (state.handBack) {
    await progress.persist();
    await job.moveToWait(a.token);
    log.info("batch handed back to the queue", { kept: done.size, of: d.files.length });
    end("handed_back");
    throw new WaitingError();
  }
  if (error !== undefined) {
    const msg = describe(error);
    log.error("batch crashed", { error: msg });
    end(isPermanent(error) ? "failed" : "retry", msg);
    await progress.persist().catch(() => {});
    throw isPermanent(error) ? new UnrecoverableError(msg) : retryable(error, msg);
  }
  await progress.flush();
  const failed = a.results.filter((r) => r.outcome === "failed").map(toStored);
  const all = [...done.values(), ...failed];
  if (failed.length && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
    const msg = `${failed.length} of ${d.files.length} file(s) failed (${failed[0]!.key}: ${failed[0]!.reason ?? "failed"}); retrying the batch`;
    await progress.persist();
    log.warn(msg);
    end("retry", msg);
    throw new Error(msg);
  }
  log.info("batch finished", { files: all.length, failed: failed.length, ms: Date.now() - a.started });
  end("completed", undefined, all);
  return { results: all };
}
