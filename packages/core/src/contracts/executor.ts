// An executor runs batches of planned files: in-process by default, or through a queue to many workers.
import type { z } from "zod";
import type { ArchiveFile, Outcome, ZipTestMode } from "../model/types.js";
import type { PluginDeps } from "./logger.js";

export interface Batch {
  /** Stable id derived from the run and the batch's keys (idempotent re-submission). */
  id: string;
  index: number;
  files: ArchiveFile[];
}

export interface FileResult {
  file: ArchiveFile;
  outcome: Outcome;
  /** Bytes downloaded (0 for skipped/missing). */
  bytes: number;
  durationMs: number;
  attempts?: number;
  /** Why it was not downloaded: the error, the mismatch, the 404. */
  reason?: string;
  sha256?: string;
  /** A job kind's own result for the file (a silver file's quality report), carried back to the submitter. */
  detail?: unknown;
}

export interface BatchContext {
  signal?: AbortSignal;
  /** Called once per finished file, as soon as it is finished. */
  onFile?: (r: FileResult) => void;
  onBytes?: (n: number) => void;
}

/** Processes one batch end to end (fetch, verify, store, record). */
export type BatchProcessor = (batch: Batch, ctx: BatchContext) => Promise<FileResult[]>;

/**
 * Everything a remote worker needs to rebuild the pipeline for a run. Serializable, and free of secrets:
 * credentials come from each worker's own environment.
 */
export interface CollectJob {
  runId: string;
  downloader: { id: string; settings: Record<string, unknown>; options?: unknown };
  storage: { id: string; options: unknown };
  verify: boolean;
  /** Absent in jobs queued by older versions: the processor's default applies. */
  zipTest?: ZipTestMode;
  plugins?: string[];
}

/**
 * A job of another kind than collecting (`silver`: converting bronze files): workers build its processor with the
 * factory registered for `kind`. Serializable and free of secrets, like a CollectJob.
 */
export interface KindJob {
  kind: string;
  runId: string;
  storage: { id: string; options: unknown };
  plugins?: string[];
  /** The kind's own settings. */
  spec: unknown;
}

/** What an executor ships to workers with each batch. */
export type QueueJob = CollectJob | KindJob;

/** A job's kind: `collect` for a CollectJob. */
export function jobKind(job: QueueJob): string {
  return "kind" in job ? job.kind : "collect";
}

export interface ExecutorRunInput {
  runId: string;
  batches: AsyncIterable<Batch>;
  /** Used by executors that process in this process. */
  processor: BatchProcessor;
  job: QueueJob;
  concurrency: number;
  /** The downloader's `maxBatchesInFlight`: executors that process in this process run no more batches at once. */
  maxBatchesInFlight?: number;
  signal?: AbortSignal;
  onFile: (r: FileResult) => void;
  onBytes?: (n: number) => void;
}

export interface Executor {
  readonly kind: "executor";
  readonly id: string;
  /** Resolves when every batch is done (or the signal aborted). */
  run(input: ExecutorRunInput): Promise<void>;
  close?(): Promise<void>;
}

/** A run as an executor knows it (queued, running or recently finished): one row of `lakehouse runs`. */
export interface ExecutorRun {
  runId: string;
  /** `running`, `completed`, `cancelled`, `failed`, or the executor's own word. */
  status: string;
  /** Why a `failed` run failed (masked, short). */
  error?: string;
  startedAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  /** True once every batch of the run has been handed to the executor. */
  planComplete?: boolean;
  /** Batches by state; `total` counts them all. */
  batches?: {
    waiting: number;
    active: number;
    delayed: number;
    completed: number;
    failed: number;
    total: number;
  };
  /** Files handed over, and files finished (any outcome). */
  files?: { queued: number; done: number };
  counts?: Partial<Record<Outcome, number>>;
  bytes?: number;
}

/** What `lakehouse cancel` reports. */
export interface CancelResult {
  runId: string;
  /** Batches that had not started and were dropped. */
  removed: number;
  /** Batches running now; they stop shortly. */
  active: number;
  /** The run's status before the cancel. */
  previous: string;
}

/** A repeatable `lakehouse sync` an executor runs on its workers (`sync --every 1h --queue …`). */
export interface SyncScheduleSpec {
  /** The lakehouse (absolute path or URL): one schedule per lakehouse. */
  output: string;
  /** Config the workers resolve (no secrets, no queue: workers use their own). */
  config: Record<string, unknown>;
  /** The selection is the config's; otherwise the lakehouse's followed selections. */
  explicit: boolean;
}

/** A registered repeatable sync: one row of `lakehouse runs`' "Repeatable syncs". */
export interface SyncSchedule {
  id: string;
  output: string;
  everyMs: number;
  /** When the next sync is due (ms since epoch). */
  next?: number;
  /** Syncs started so far. */
  iterations?: number;
  explicit: boolean;
}

/** What an executor that runs repeatable syncs offers (`sync --every`, `runs`, `cancel <schedule id>`). */
export interface ExecutorSchedules<O> {
  /** Registers (or replaces) the lakehouse's repeatable sync; the first one is due at once. */
  add(options: O, everyMs: number, spec: SyncScheduleSpec, deps: PluginDeps): Promise<SyncSchedule>;
  /** Removes one by its id or its lakehouse's output; `removed` false when there was none. */
  remove(options: O, idOrOutput: string, deps: PluginDeps): Promise<{ id: string; removed: boolean }>;
  list(options: O, deps: PluginDeps): Promise<SyncSchedule[]>;
}

export interface ExecutorPlugin<O = unknown> {
  readonly kind: "executor";
  readonly id: string;
  readonly description: string;
  readonly optionsSchema?: z.ZodType<O>;
  /**
   * Makes this executor take the run's `queue` setting (`--queue URL`): the host chooses it when a queue is given
   * and no executor is named, and calls this with its other options (`queue` undefined when the executor was
   * named without one). Returns the options to validate; throws a CONFIG_INVALID LakehouseError when the
   * executor cannot run without a queue.
   */
  withQueue?(options: Record<string, unknown>, queue: string | undefined): Record<string, unknown>;
  /** Runs this executor knows, newest first (`lakehouse runs --queue/--executor`). */
  listRuns?(options: O, deps: PluginDeps): Promise<ExecutorRun[]>;
  /** Stops a run: drops its batches not started, stops the running ones (`lakehouse cancel`). */
  cancel?(options: O, runId: string, deps: PluginDeps): Promise<CancelResult>;
  /** Repeatable syncs run by this executor's workers. */
  schedules?: ExecutorSchedules<O>;
  create(options: O, deps: PluginDeps): Executor | Promise<Executor>;
}
