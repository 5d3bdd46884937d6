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

export interface ExecutorRunInput {
  runId: string;
  batches: AsyncIterable<Batch>;
  /** Used by executors that process in this process. */
  processor: BatchProcessor;
  job: CollectJob;
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
