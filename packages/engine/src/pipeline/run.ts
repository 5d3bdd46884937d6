// The bookkeeping every collect run shares (internal): progress, counts, durations, failures, staging dir,
// batches, executor call and the run summary under _meta/runs/. `runCollection` and `collectFiles` feed it files.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Batch, CollectJob, FileResult, Logger, RunSummary } from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  diskFullCode,
  emptyCounts,
  isLakehouseError,
  LakehouseError,
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

/**
 * Runs `spec.files` through the executor in batches and writes the run summary; returns it. A run that fails
 * fatally once the store is known writable (planning, listing, the store, the executor) still writes its summary,
 * `status: "failed"` with the error and what was done before it, then rethrows the error (see `failedRunOf`).
 */
export async function executeRun(
  deps: Pick<CollectDeps, "downloader" | "storage" | "executor">,
  spec: RunSpec,
): Promise<RunSummary> {
  const { downloader, storage, executor } = deps;
  const { runId, logger, batchSize } = spec;
  const startedAt = Date.now();
  // An unwritable store is refused before the run starts: there is nowhere to record it, and nothing to record.
  await storage.checkWritable();

  const progress: Progress = {
    runId,
    planned: spec.planned ?? 0,
    planComplete: spec.planned !== undefined,
    done: 0,
    counts: emptyCounts(),
    bytes: 0,
    startedAt,
  };
  const durations: RunSummary["durations"] = {};
  const failures: RunSummary["failures"] = [];
  const emit = () => {
    const reported = downloader.concurrency?.();
    if (reported?.peakInFlight) progress.concurrency = reported.current;
    spec.onProgress?.(progress);
  };
  let storedBytes = 0;
  let liveBytes = 0;
  const onFile = (r: FileResult) => {
    progress.done++;
    if (r.outcome === "downloaded" || r.outcome === "unverified") {
      storedBytes += r.bytes;
      // Executors that cannot stream byte counts (remote workers) still move the bytes figure per file.
      if (liveBytes === 0) progress.bytes = storedBytes;
    }
    progress.counts[r.outcome]++;
    progress.last = r;
    durations[r.outcome] = (durations[r.outcome] ?? 0) + r.durationMs;
    if (r.outcome !== "downloaded" && r.outcome !== "skipped" && r.outcome !== "unverified") {
      failures.push({ key: r.file.key, outcome: r.outcome, reason: r.reason ?? r.outcome });
    }
    emit();
  };
  const onBytes = (n: number) => {
    liveBytes += n;
    progress.bytes = liveBytes;
  };

  /** The summary of the run as it stands. */
  const summarize = (
    status: RunSummary["status"],
    end: Pick<RunSummary, "cancelReason" | "error">,
  ): RunSummary => {
    const { request, settings, notes } = spec.record();
    const concurrency = downloader.concurrency?.();
    // Settings, notes, failure reasons, the cancel reason and the error may quote a URL: none keeps its credentials.
    return redactSecrets({
      runId,
      status,
      ...end,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - startedAt,
      request,
      settings,
      planned: progress.planned,
      counts: progress.counts,
      bytes: storedBytes,
      durations,
      failures,
      notes,
      output: storage.location,
      downloader: downloader.id,
      executor: executor.id,
      // Only when this process's downloader did the fetching (not a queue's workers).
      ...(concurrency?.peakInFlight ? { concurrency } : {}),
    });
  };
  const store = (summary: RunSummary) =>
    storage.put(
      runSummaryKey(runId),
      { data: JSON.stringify(summary, null, 2) },
      { contentType: "application/json" },
    );

  /** A full device's error, plus how much room the files not stored yet need (estimated from this run's). */
  function withRoomNeeded(e: unknown): unknown {
    if (!diskFullCode(e) || !isLakehouseError(e)) return e;
    const stored = progress.counts.downloaded + progress.counts.unverified;
    const left = progress.planned - progress.done;
    const files = `${left}${progress.planComplete ? "" : "+"} planned file${left === 1 ? "" : "s"} not stored yet`;
    const line =
      stored > 0
        ? `${files}: at the ${sizeText(storedBytes / stored)} average of the ${stored} this run stored, they need about ${sizeText((storedBytes / stored) * left)} more (and room to stage ${spec.concurrency} downloads).`
        : `${files}; this run stored none, so their size is not known yet.`;
    return new LakehouseError(e.code, e.message, { cause: e.cause ?? e, details: [...e.details, line] });
  }

  /** Records the run as failed with `e`; a failure to record is logged, never thrown over `e`. */
  async function recordFailure(e: unknown): Promise<unknown> {
    const err = typeof e === "object" && e !== null ? e : new Error(String(e));
    let summary: RunSummary | undefined;
    try {
      summary = summarize("failed", { error: runError(err) });
      // At info, like "collect finished": the caller reports the error itself.
      logger.info("collect failed", { error: summary.error?.message, counts: summary.counts });
      await store(summary);
      failedRuns.set(err, { summary, recorded: true });
    } catch (storeError) {
      logger.warn("could not record the failed run", {
        key: runSummaryKey(runId),
        error: redactSecrets((storeError as Error)?.message ?? String(storeError)),
      });
      if (summary) failedRuns.set(err, { summary, recorded: false });
    }
    return err;
  }

  try {
    const files = spec.files({
      progress,
      onFile,
      planComplete() {
        progress.planComplete = true;
        emit();
      },
    });

    async function* batches(): AsyncGenerator<Batch> {
      let chunk: ArchiveFile[] = [];
      let i = 0;
      for await (const f of files) {
        chunk.push(f);
        if (chunk.length >= batchSize) {
          yield { id: batchId(runId, chunk), index: i++, files: chunk };
          chunk = [];
        }
      }
      if (chunk.length) yield { id: batchId(runId, chunk), index: i++, files: chunk };
    }

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
    const job: CollectJob = {
      runId,
      downloader: spec.job?.downloader ?? { id: downloader.id, settings: {} },
      storage: spec.job?.storage ?? { id: storage.id, options: {} },
      verify: spec.verify,
      ...(spec.zipTest ? { zipTest: spec.zipTest } : {}),
      ...(spec.job?.plugins ? { plugins: spec.job.plugins } : {}),
    };
    // A run cancelled from outside (a queued run, `lakehouse cancel`) still gets its summary: what was done is kept.
    let cancelReason: string | undefined;
    try {
      logger.info(spec.started.message, spec.started.fields);
      await executor.run({
        runId,
        batches: batches(),
        processor,
        job,
        concurrency: spec.concurrency,
        onFile,
        onBytes,
        ...(spec.signal ? { signal: spec.signal } : {}),
      });
    } catch (e) {
      if (isLakehouseError(e, "CANCELLED")) {
        cancelReason = e.message;
        logger.warn(e.message);
        // Interrupted (SIGINT): whatever the abort made a plugin throw, the run was cancelled, not failed.
      } else if (!spec.signal?.aborted) throw e;
    } finally {
      await rm(stagingDir, { recursive: true, force: true });
    }
    const c = progress.counts;
    const status: RunSummary["status"] =
      spec.signal?.aborted || cancelReason !== undefined
        ? "cancelled"
        : c.failed + c.checksum_mismatch > 0
          ? "completed_with_failures"
          : "completed";
    const summary = summarize(status, cancelReason !== undefined ? { cancelReason } : {});
    await store(summary);
    return summary;
  } catch (e) {
    throw await recordFailure(withRoomNeeded(e));
  }
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}
