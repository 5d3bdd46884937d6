// Collects exactly the given archive files (no planning, no resume skip) through the normal batch pipeline,
// and records the run under _meta/runs/ like any collect run — what `verify --repair` re-fetches with.
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Batch, CollectJob, FileResult } from "../contracts/executor.js";
import { type ArchiveFile, emptyCounts } from "../model/types.js";
import { batchId, type CollectDeps, newRunId, type Progress } from "./collect.js";
import { runSummaryKey, stagingKey } from "./layout.js";
import { createBatchProcessor } from "./processor.js";
import type { RunSummary } from "./records.js";

export interface CollectFilesOptions {
  batchSize: number;
  /** Parallel downloads. */
  concurrency: number;
  /** Verify SHA-256 against the .CHECKSUM and test-open zips (download_checksum). */
  verify: boolean;
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
  const { downloader, storage, executor } = deps;
  const runId = opts.runId ?? newRunId();
  const logger = deps.logger.child({ runId });
  const startedAt = Date.now();
  await storage.checkWritable();

  const progress: Progress = {
    runId,
    planned: files.length,
    planComplete: true,
    done: 0,
    counts: emptyCounts(),
    bytes: 0,
    startedAt,
  };
  const durations: RunSummary["durations"] = {};
  const failures: RunSummary["failures"] = [];
  const onFile = (r: FileResult) => {
    progress.done++;
    progress.counts[r.outcome]++;
    progress.last = r;
    durations[r.outcome] = (durations[r.outcome] ?? 0) + r.durationMs;
    if (r.outcome !== "downloaded" && r.outcome !== "skipped") {
      failures.push({ key: r.file.key, outcome: r.outcome, reason: r.reason ?? r.outcome });
    }
    opts.onProgress?.(progress);
  };

  async function* batches(): AsyncGenerator<Batch> {
    for (let i = 0, n = 0; i < files.length; i += opts.batchSize, n++) {
      const chunk = files.slice(i, i + opts.batchSize);
      yield { id: batchId(runId, chunk), index: n, files: chunk };
    }
  }

  const stagingDir = storage.localPath?.(stagingKey(runId)) ?? join(tmpdir(), "crypto-lakehouse", runId);
  await mkdir(stagingDir, { recursive: true });
  const processor = createBatchProcessor({
    runId,
    downloader,
    storage,
    stagingDir,
    verify: opts.verify,
    logger,
    ...(opts.today ? { today: () => opts.today! } : {}),
  });
  const job: CollectJob = {
    runId,
    downloader: opts.job?.downloader ?? { id: downloader.id, settings: {} },
    storage: opts.job?.storage ?? { id: storage.id, options: {} },
    verify: opts.verify,
    ...(opts.job?.plugins ? { plugins: opts.job.plugins } : {}),
  };
  try {
    logger.info("collecting listed files", { output: storage.location, files: files.length });
    await executor.run({
      runId,
      batches: batches(),
      processor,
      job,
      concurrency: opts.concurrency,
      onFile,
      onBytes: (n) => {
        progress.bytes += n;
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
  const c = progress.counts;
  const status: RunSummary["status"] = opts.signal?.aborted
    ? "cancelled"
    : c.failed + c.checksum_mismatch > 0
      ? "completed_with_failures"
      : "completed";
  const summary: RunSummary = {
    runId,
    status,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
    request: opts.request ?? { keys: files.map((f) => f.key) },
    settings: {
      batchSize: opts.batchSize,
      concurrency: opts.concurrency,
      verify: opts.verify,
      ...opts.settings,
    },
    planned: files.length,
    counts: c,
    bytes: progress.bytes,
    durations,
    failures,
    notes: opts.notes ?? [],
    output: storage.location,
    downloader: downloader.id,
    executor: executor.id,
  };
  await storage.put(
    runSummaryKey(runId),
    { data: JSON.stringify(summary, null, 2) },
    { contentType: "application/json" },
  );
  return summary;
}
