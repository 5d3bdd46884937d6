// The bookkeeping every collect run shares (internal): progress, counts, durations, failures, staging dir,
// batches, executor call and the run summary under _meta/runs/. `runCollection` and `collectFiles` feed it files.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Batch, CollectJob, FileResult, Logger, RunSummary } from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  emptyCounts,
  isLakehouseError,
  redactSecrets,
  runSummaryKey,
  type ZipTestMode,
} from "@crypto-lakehouse/core";
import type { CollectDeps, Progress } from "./collect.js";
import { createBatchProcessor } from "./processor.js";
import { createStagingDir } from "./staging.js";

/** A stable batch id from the run and the batch's keys (BullMQ ids may not contain `:`). */
export function batchId(runId: string, files: readonly ArchiveFile[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f.key).update("\n");
  return `${runId}-${h.digest("hex").slice(0, 16)}`;
}

/** What a file source sees of the run while it yields files. */
export interface RunTally {
  readonly progress: Progress;
  /** Counts a file settled without fetching it (a resume skip). */
  onFile(r: FileResult): void;
  /** Planning is over: `progress.planned` is final. */
  planComplete(): void;
}

export interface RunSpec {
  runId: string;
  logger: Logger;
  /** The files to fetch. Called once the store is known writable; a planning source counts `progress.planned`. */
  files: (tally: RunTally) => AsyncIterable<ArchiveFile>;
  /** The number of files, when known before the run (then there is no planning phase). */
  planned?: number;
  batchSize: number;
  concurrency: number;
  verify: boolean;
  zipTest?: ZipTestMode;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  today?: string;
  /** Serializable description for remote workers (queue executors). */
  job?: Omit<CollectJob, "runId">;
  /** Logged when the executor starts. */
  started: { message: string; fields: Record<string, unknown> };
  /** What the summary records of the run; read after it, when plan notes are complete. Never secrets. */
  record: () => Pick<RunSummary, "request" | "settings" | "notes">;
}

/** A run that failed fatally: its summary (`status: "failed"`) and whether the store took it. */
export interface FailedRun {
  summary: RunSummary;
  /** False when writing the summary failed too (the store may be what broke): nothing is under _meta/runs/. */
  recorded: boolean;
}

// Keyed by the error the run failed with, which is rethrown unchanged: callers find the run from it.
const failedRuns = new WeakMap<object, FailedRun>();

/** The run that `e` ended, when a collect run threw it after it started (undefined for errors before that). */
export function failedRunOf(e: unknown): FailedRun | undefined {
  return typeof e === "object" && e !== null ? failedRuns.get(e) : undefined;
}

function runError(e: unknown): NonNullable<RunSummary["error"]> {
  if (isLakehouseError(e)) {
    return { code: e.code, message: e.message, ...(e.details.length ? { details: [...e.details] } : {}) };
  }
  return { code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
}

/** Counts, durations and failures of a run as its files settle. */
class RunTracker {
  readonly progress: Progress;
  readonly durations: RunSummary["durations"] = {};
  readonly failures: RunSummary["failures"] = [];
  /** Bytes of stored downloads (what the summary reports). */
  storedBytes = 0;
  private liveBytes = 0;

  constructor(
    runId: string,
    planned: number | undefined,
    readonly startedAt: number,
    private readonly onProgress?: (p: Progress) => void,
  ) {
    this.progress = {
      runId,
      planned: planned ?? 0,
      planComplete: planned !== undefined,
      done: 0,
      counts: emptyCounts(),
      bytes: 0,
      startedAt,
    };
  }

  emit(): void {
    this.onProgress?.(this.progress);
  }

  readonly onFile = (r: FileResult): void => {
    const p = this.progress;
    p.done++;
    if (r.outcome === "downloaded") {
      this.storedBytes += r.bytes;
      // Executors that cannot stream byte counts (remote workers) still move the bytes figure per file.
      if (this.liveBytes === 0) p.bytes = this.storedBytes;
    }
    p.counts[r.outcome]++;
    p.last = r;
    this.durations[r.outcome] = (this.durations[r.outcome] ?? 0) + r.durationMs;
    if (r.outcome !== "downloaded" && r.outcome !== "skipped") {
      this.failures.push({ key: r.file.key, outcome: r.outcome, reason: r.reason ?? r.outcome });
    }
    this.emit();
  };

  readonly onBytes = (n: number): void => {
    this.liveBytes += n;
    this.progress.bytes = this.liveBytes;
  };

  /** How the run ended, from its counts and how it stopped. */
  status(aborted: boolean, cancelReason: string | undefined): RunSummary["status"] {
    const c = this.progress.counts;
    if (aborted || cancelReason !== undefined) return "cancelled";
    return c.failed + c.checksum_mismatch > 0 ? "completed_with_failures" : "completed";
  }
}

type RunDeps = Pick<CollectDeps, "downloader" | "storage" | "executor">;

/** The summary of the run as it stands. */
function summarize(
  deps: RunDeps,
  spec: RunSpec,
  t: RunTracker,
  status: RunSummary["status"],
  end: Pick<RunSummary, "cancelReason" | "error">,
): RunSummary {
  const { request, settings, notes } = spec.record();
  // Settings, notes, failure reasons, the cancel reason and the error may quote a URL: none keeps its credentials.
  return redactSecrets({
    runId: spec.runId,
    status,
    ...end,
    startedAt: new Date(t.startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - t.startedAt,
    request,
    settings,
    planned: t.progress.planned,
    counts: t.progress.counts,
    bytes: t.storedBytes,
    durations: t.durations,
    failures: t.failures,
    notes,
    output: deps.storage.location,
    downloader: deps.downloader.id,
    executor: deps.executor.id,
  });
}

async function storeSummary(deps: RunDeps, summary: RunSummary): Promise<void> {
  await deps.storage.put(
    runSummaryKey(summary.runId),
    { data: JSON.stringify(summary, null, 2) },
    { contentType: "application/json" },
  );
}

/** Records the run as failed with `e` and returns the error to rethrow; a failure to record is logged, not thrown. */
async function recordFailure(deps: RunDeps, spec: RunSpec, t: RunTracker, e: unknown): Promise<unknown> {
  const err = typeof e === "object" && e !== null ? e : new Error(String(e));
  let summary: RunSummary | undefined;
  try {
    summary = summarize(deps, spec, t, "failed", { error: runError(err) });
    // At info, like "collect finished": the caller reports the error itself.
    spec.logger.info("collect failed", { error: summary.error?.message, counts: summary.counts });
    await storeSummary(deps, summary);
    failedRuns.set(err, { summary, recorded: true });
  } catch (storeError) {
    spec.logger.warn("could not record the failed run", {
      key: runSummaryKey(spec.runId),
      error: redactSecrets((storeError as Error)?.message ?? String(storeError)),
    });
    if (summary) failedRuns.set(err, { summary, recorded: false });
  }
  return err;
}

/** The files in batches of `size`, each with its stable id. */
async function* batchesOf(files: AsyncIterable<ArchiveFile>, runId: string, size: number): AsyncGenerator<Batch> {
  let chunk: ArchiveFile[] = [];
  let i = 0;
  for await (const f of files) {
    chunk.push(f);
    if (chunk.length >= size) {
      yield { id: batchId(runId, chunk), index: i++, files: chunk };
      chunk = [];
    }
  }
  if (chunk.length) yield { id: batchId(runId, chunk), index: i++, files: chunk };
}

/** What a remote worker needs to rebuild the pipeline for this run. */
function jobOf(deps: RunDeps, spec: RunSpec): CollectJob {
  return {
    runId: spec.runId,
    downloader: spec.job?.downloader ?? { id: deps.downloader.id, settings: {} },
    storage: spec.job?.storage ?? { id: deps.storage.id, options: {} },
    verify: spec.verify,
    ...(spec.zipTest ? { zipTest: spec.zipTest } : {}),
    ...(spec.job?.plugins ? { plugins: spec.job.plugins } : {}),
  };
}

/**
 * Hands the batches to the executor; returns the cancel reason when the run was cancelled from outside (a queued
 * run, `lakehouse cancel`) or interrupted — what was done is kept, and the run still gets its summary.
 */
async function runBatches(deps: RunDeps, spec: RunSpec, t: RunTracker): Promise<string | undefined> {
  const { downloader, storage, executor } = deps;
  const { runId, logger } = spec;
  const files = spec.files({
    progress: t.progress,
    onFile: t.onFile,
    planComplete() {
      t.progress.planComplete = true;
      t.emit();
    },
  });
  const stagingDir = await createStagingDir(storage, runId, logger);
  const processor = createBatchProcessor({
    runId,
    downloader,
    storage,
    stagingDir,
    verify: spec.verify,
    ...(spec.zipTest ? { zipTest: spec.zipTest } : {}),
    logger,
    ...(spec.today ? { today: () => spec.today! } : {}),
  });
  try {
    logger.info(spec.started.message, spec.started.fields);
    await executor.run({
      runId,
      batches: batchesOf(files, runId, spec.batchSize),
      processor,
      job: jobOf(deps, spec),
      concurrency: spec.concurrency,
      onFile: t.onFile,
      onBytes: t.onBytes,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
  } catch (e) {
    if (isLakehouseError(e, "CANCELLED")) {
      logger.warn(e.message);
      return e.message;
    }
    // Interrupted (SIGINT): whatever the abort made a plugin throw, the run was cancelled, not failed.
    if (!spec.signal?.aborted) throw e;
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
  return undefined;
}

/**
 * Runs `spec.files` through the executor in batches and writes the run summary; returns it. A run that fails
 * fatally once the store is known writable (planning, listing, the store, the executor) still writes its summary,
 * `status: "failed"` with the error and what was done before it, then rethrows the error (see `failedRunOf`).
 */
export async function executeRun(deps: RunDeps, spec: RunSpec): Promise<RunSummary> {
  const startedAt = Date.now();
  // An unwritable store is refused before the run starts: there is nowhere to record it, and nothing to record.
  await deps.storage.checkWritable();
  const t = new RunTracker(spec.runId, spec.planned, startedAt, spec.onProgress);
  try {
    const cancelReason = await runBatches(deps, spec, t);
    const status = t.status(spec.signal?.aborted ?? false, cancelReason);
    const summary = summarize(deps, spec, t, status, cancelReason !== undefined ? { cancelReason } : {});
    await storeSummary(deps, summary);
    return summary;
  } catch (e) {
    throw await recordFailure(deps, spec, t, e);
  }
}
