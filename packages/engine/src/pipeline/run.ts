// The bookkeeping every collect run shares (internal): progress, counts, durations, failures, staging dir,
// batches, executor call and the run summary under _meta/runs/. `runCollection` and `collectFiles` feed it files.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import type {
  Batch,
  CollectJob,
  Downloader,
  FileResult,
  Logger,
  RunSummary,
  StorageBackend,
} from "@crypto-lakehouse/core";
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

/** The run's tally as its files settle: progress, durations, failures and the bytes stored. */
class RunLedger {
  readonly progress: Progress;
  readonly durations: RunSummary["durations"] = {};
  readonly failures: RunSummary["failures"] = [];
  storedBytes = 0;
  private liveBytes = 0;

  constructor(
    private readonly downloader: Downloader,
    private readonly spec: RunSpec,
    readonly startedAt: number,
  ) {
    this.progress = {
      runId: spec.runId,
      planned: spec.planned ?? 0,
      planComplete: spec.planned !== undefined,
      done: 0,
      counts: emptyCounts(),
      bytes: 0,
      startedAt,
    };
  }

  readonly emit = () => {
    const reported = this.downloader.concurrency?.();
    if (reported?.peakInFlight) this.progress.concurrency = reported.current;
    this.spec.onProgress?.(this.progress);
  };

  readonly onFile = (r: FileResult) => {
    const { progress } = this;
    progress.done++;
    if (r.outcome === "downloaded" || r.outcome === "unverified") {
      this.storedBytes += r.bytes;
      // Executors that cannot stream byte counts (remote workers) still move the bytes figure per file.
      if (this.liveBytes === 0) progress.bytes = this.storedBytes;
    }
    progress.counts[r.outcome]++;
    progress.last = r;
    this.durations[r.outcome] = (this.durations[r.outcome] ?? 0) + r.durationMs;
    if (r.outcome !== "downloaded" && r.outcome !== "skipped" && r.outcome !== "unverified") {
      this.failures.push({ key: r.file.key, outcome: r.outcome, reason: r.reason ?? r.outcome });
    }
    this.emit();
  };

  readonly onBytes = (n: number) => {
    this.liveBytes += n;
    this.progress.bytes = this.liveBytes;
  };

  /** What a file source sees of the run. */
  tally(): RunTally {
    return {
      progress: this.progress,
      onFile: this.onFile,
      planComplete: () => {
        this.progress.planComplete = true;
        this.emit();
      },
    };
  }
}

type RunDeps = Pick<CollectDeps, "downloader" | "storage" | "executor">;

/** The summary of the run as it stands. */
function summarize(
  deps: RunDeps,
  spec: RunSpec,
  ledger: RunLedger,
  status: RunSummary["status"],
  end: Pick<RunSummary, "cancelReason" | "error">,
): RunSummary {
  const { downloader, storage, executor } = deps;
  const { request, settings, notes } = spec.record();
  const concurrency = downloader.concurrency?.();
  // Settings, notes, failure reasons, the cancel reason and the error may quote a URL: none keeps its credentials.
  return redactSecrets({
    runId: spec.runId,
    status,
    ...end,
    startedAt: new Date(ledger.startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - ledger.startedAt,
    request,
    settings,
    planned: ledger.progress.planned,
    counts: ledger.progress.counts,
    bytes: ledger.storedBytes,
    durations: ledger.durations,
    failures: ledger.failures,
    notes,
    output: storage.location,
    downloader: downloader.id,
    executor: executor.id,
    // Only when this process's downloader did the fetching (not a queue's workers).
    ...(concurrency?.peakInFlight ? { concurrency } : {}),
  });
}

function storeSummary(storage: StorageBackend, runId: string, summary: RunSummary) {
  return storage.put(
    runSummaryKey(runId),
    { data: JSON.stringify(summary, null, 2) },
    { contentType: "application/json" },
  );
}

/** A full device's error, plus how much room the files not stored yet need (estimated from this run's). */
function withRoomNeeded(e: unknown, ledger: RunLedger, concurrency: number): unknown {
  if (!diskFullCode(e) || !isLakehouseError(e)) return e;
  const { progress, storedBytes } = ledger;
  const stored = progress.counts.downloaded + progress.counts.unverified;
  const left = progress.planned - progress.done;
  const files = `${left}${progress.planComplete ? "" : "+"} planned file${left === 1 ? "" : "s"} not stored yet`;
  const line =
    stored > 0
      ? `${files}: at the ${sizeText(storedBytes / stored)} average of the ${stored} this run stored, they need about ${sizeText((storedBytes / stored) * left)} more (and room to stage ${concurrency} downloads).`
      : `${files}; this run stored none, so their size is not known yet.`;
  return new LakehouseError(e.code, e.message, { cause: e.cause ?? e, details: [...e.details, line] });
}

/** Records the run as failed with `e`; a failure to record is logged, never thrown over `e`. */
async function recordFailure(deps: RunDeps, spec: RunSpec, ledger: RunLedger, e: unknown): Promise<unknown> {
  const err = typeof e === "object" && e !== null ? e : new Error(String(e));
  let summary: RunSummary | undefined;
  try {
    summary = summarize(deps, spec, ledger, "failed", { error: runError(err) });
    // At info, like "collect finished": the caller reports the error itself.
    spec.logger.info("collect failed", { error: summary.error?.message, counts: summary.counts });
    await storeSummary(deps.storage, spec.runId, summary);
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

/** The files in batches of `batchSize`, with ids stable for the run. */
async function* batchesOf(
  files: AsyncIterable<ArchiveFile>,
  runId: string,
  batchSize: number,
): AsyncGenerator<Batch> {
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

/** The serializable job remote workers (queue executors) rebuild the run's plugins from. */
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
 * Hands the batches to the executor with a staging dir of their own; returns the cancel reason when the run was
 * cancelled from outside (a queued run, `lakehouse cancel`), which still gets its summary: what was done is kept.
 */
async function runBatches(
  deps: RunDeps,
  spec: RunSpec,
  ledger: RunLedger,
  batches: AsyncIterable<Batch>,
): Promise<string | undefined> {
  const { downloader, storage, executor } = deps;
  const { runId, logger } = spec;
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
  const job = jobOf(deps, spec);
  try {
    logger.info(spec.started.message, spec.started.fields);
    await executor.run({
      runId,
      batches,
      processor,
      job,
      concurrency: spec.concurrency,
      ...(downloader.maxBatchesInFlight ? { maxBatchesInFlight: downloader.maxBatchesInFlight } : {}),
      onFile: ledger.onFile,
      onBytes: ledger.onBytes,
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
  const ledger = new RunLedger(deps.downloader, spec, startedAt);
  try {
    const files = spec.files(ledger.tally());
    const cancelReason = await runBatches(deps, spec, ledger, batchesOf(files, spec.runId, spec.batchSize));
    const c = ledger.progress.counts;
    const status: RunSummary["status"] =
      spec.signal?.aborted || cancelReason !== undefined
        ? "cancelled"
        : c.failed + c.checksum_mismatch > 0
          ? "completed_with_failures"
          : "completed";
    const summary = summarize(deps, spec, ledger, status, cancelReason !== undefined ? { cancelReason } : {});
    await storeSummary(deps.storage, spec.runId, summary);
    return summary;
  } catch (e) {
    throw await recordFailure(deps, spec, ledger, withRoomNeeded(e, ledger, spec.concurrency));
  }
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}
