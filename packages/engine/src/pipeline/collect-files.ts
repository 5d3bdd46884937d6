// Collects exactly the given archive files (no planning, no resume skip) through the normal batch pipeline,
// and records the run under _meta/runs/ like any collect run — what `verify --repair` re-fetches with.
import {
  type ArchiveFile,
  type CollectJob,
  checkRunId,
  type RunSummary,
  type ZipTestMode,
} from "@crypto-lakehouse/core";
import { type CollectDeps, newRunId, type Progress } from "./collect.js";
import { executeRun } from "./run.js";

export interface CollectFilesOptions {
  batchSize: number;
  /** Parallel downloads. */
  concurrency: number;
  /** Verify SHA-256 against the .CHECKSUM and test-open zips (download_checksum). */
  verify: boolean;
  /** How deeply a zip whose SHA-256 matched is test-opened (zip_test; default `structure`). */
  zipTest?: ZipTestMode;
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** What to record as the run's request (default: the keys). Never secrets. */
  request?: unknown;
  /** Settings to record (never secrets). */
  settings?: Record<string, unknown>;
  notes?: string[];
  /** Serializable description for remote workers (queue executors). */
  job?: Omit<CollectJob, "runId">;
  today?: string;
}

/** Fetches, verifies, stores and records `files` (overwriting what the store holds), then writes the run summary. */
export async function collectFiles(
  deps: CollectDeps,
  files: readonly ArchiveFile[],
  opts: CollectFilesOptions,
): Promise<RunSummary> {
  const runId = opts.runId !== undefined ? checkRunId(opts.runId) : newRunId();
  const { batchSize, concurrency, verify, zipTest } = opts;
  return executeRun(deps, {
    runId,
    logger: deps.logger.child({ runId }),
    files: async function* () {
      yield* files;
    },
    planned: files.length,
    batchSize,
    concurrency,
    verify,
    ...(zipTest ? { zipTest } : {}),
    signal: opts.signal,
    onProgress: opts.onProgress,
    today: opts.today,
    job: opts.job,
    started: {
      message: "collecting listed files",
      fields: { output: deps.storage.location, files: files.length },
    },
    record: () => ({
      request: opts.request ?? { keys: files.map((f) => f.key) },
      settings: { batchSize, concurrency, verify, ...(zipTest ? { zipTest } : {}), ...opts.settings },
      notes: opts.notes ?? [],
    }),
  });
}
