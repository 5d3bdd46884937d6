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

export interface ExecutorPlugin<O = unknown> {
  readonly kind: "executor";
  readonly id: string;
  readonly description: string;
  readonly optionsSchema?: z.ZodType<O>;
  create(options: O, deps: PluginDeps): Executor | Promise<Executor>;
}
