// The collect run: plan → skip what bronze already holds → batches → executor → summary under _meta/.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/normalize.js";
import type { Downloader } from "../contracts/downloader.js";
import type { Batch, CollectJob, Executor, FileResult } from "../contracts/executor.js";
import type { Logger } from "../contracts/logger.js";
import type { StorageBackend } from "../contracts/storage.js";
import type { Catalog } from "../matrix/compose.js";
import { type ArchiveFile, emptyCounts, type Outcome } from "../model/types.js";
import { planFiles } from "../plan/planner.js";
import { runSummaryKey, stagingKey } from "./layout.js";
import { createBatchProcessor } from "./processor.js";
import type { RunSummary } from "./records.js";
import { BronzeIndex } from "./resume.js";

export interface CollectDeps {
  catalog: Catalog;
  downloader: Downloader;
  storage: StorageBackend;
  executor: Executor;
  logger: Logger;
}

export interface Progress {
  runId: string;
  /** Files planned so far; final once `planComplete`. */
  planned: number;
  planComplete: boolean;
  done: number;
  counts: Record<Outcome, number>;
  bytes: number;
  startedAt: number;
  last?: FileResult;
}

export interface CollectOptions {
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  today?: string;
  /** Serializable description for remote workers (queue executors). */
  job?: Omit<CollectJob, "runId">;
}

export function newRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

/** A stable batch id from the run and the batch's keys (BullMQ ids may not contain `:`). */
export function batchId(runId: string, files: readonly ArchiveFile[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f.key).update("\n");
  return `${runId}-${h.digest("hex").slice(0, 16)}`;
}

export async function runCollection(
  deps: CollectDeps,
  config: ResolvedConfig,
  opts: CollectOptions = {},
): Promise<RunSummary> {
  const { catalog, downloader, storage, executor } = deps;
  const { request, settings } = config;
  const runId = opts.runId ?? newRunId();
  // Callers bind the run id to the logger (every plugin logs through it), so it is not added again here.
  const logger = deps.logger;
  const startedAt = Date.now();
  await storage.checkWritable();

  const progress: Progress = {
    runId,
    planned: 0,
    planComplete: false,
    done: 0,
    counts: emptyCounts(),
    bytes: 0,
    startedAt,
  };
  const durations: RunSummary["durations"] = {};
  const failures: RunSummary["failures"] = [];
  const emit = () => opts.onProgress?.(progress);
  let storedBytes = 0;
  let liveBytes = 0;
  const onFile = (r: FileResult) => {
    progress.done++;
    if (r.outcome === "downloaded") {
      storedBytes += r.bytes;
      // Executors that cannot stream byte counts (remote workers) still move the bytes figure per file.
      if (liveBytes === 0) progress.bytes = storedBytes;
    }
    progress.counts[r.outcome]++;
    progress.last = r;
    durations[r.outcome] = (durations[r.outcome] ?? 0) + r.durationMs;
    if (r.outcome !== "downloaded" && r.outcome !== "skipped") {
      failures.push({ key: r.file.key, outcome: r.outcome, reason: r.reason ?? r.outcome });
    }
    emit();
  };
  const onBytes = (n: number) => {
    liveBytes += n;
    progress.bytes = liveBytes;
  };

  const plan = planFiles(request, {
    catalog,
    lister: (prefix, delimiter) =>
      downloader.list(prefix, {
        delimiter: delimiter ?? "/",
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    ...(opts.today ? { today: opts.today } : {}),
  });
  const index = settings.resume && !settings.forceRedownload ? new BronzeIndex(storage) : undefined;

  async function* toFetch(): AsyncGenerator<ArchiveFile> {
    for await (const f of plan.files) {
      progress.planned++;
      if (index && (await index.isDone(f))) {
        onFile({
          file: f,
          outcome: "skipped",
          bytes: 0,
          durationMs: 0,
          reason: "already in bronze and verified",
        });
        continue;
      }
      yield f;
    }
    progress.planComplete = true;
    emit();
  }

  async function* batches(): AsyncGenerator<Batch> {
    let files: ArchiveFile[] = [];
    let i = 0;
    for await (const f of toFetch()) {
      files.push(f);
      if (files.length >= settings.batchSize) {
        yield { id: batchId(runId, files), index: i++, files };
        files = [];
      }
    }
    if (files.length) yield { id: batchId(runId, files), index: i++, files };
  }

  const stagingDir = storage.localPath?.(stagingKey(runId)) ?? join(tmpdir(), "crypto-lakehouse", runId);
  await mkdir(stagingDir, { recursive: true });
  const processor = createBatchProcessor({
    runId,
    downloader,
    storage,
    stagingDir,
    verify: settings.verify,
    logger,
    ...(opts.today ? { today: () => opts.today! } : {}),
  });
  const job: CollectJob = {
    runId,
    downloader: opts.job?.downloader ?? { id: downloader.id, settings: {} },
    storage: opts.job?.storage ?? { id: storage.id, options: {} },
    verify: settings.verify,
    ...(opts.job?.plugins ? { plugins: opts.job.plugins } : {}),
  };
  let status: RunSummary["status"] = "completed";
  try {
    logger.info("collect started", {
      output: storage.location,
      downloader: downloader.id,
      executor: executor.id,
    });
    await executor.run({
      runId,
      batches: batches(),
      processor,
      job,
      concurrency: settings.concurrency,
      onFile,
      onBytes,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
  const c = progress.counts;
  if (opts.signal?.aborted) status = "cancelled";
  else if (c.failed + c.checksum_mismatch > 0) status = "completed_with_failures";

  const summary: RunSummary = {
    runId,
    status,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
    request: { ...request, notes: undefined },
    settings: publicSettings(settings),
    planned: progress.planned,
    counts: c,
    bytes: storedBytes,
    durations,
    failures,
    notes: plan.notes.map((n) => `${n.market ? `${n.market}: ` : ""}${n.message}`),
    output: storage.location,
    downloader: downloader.id,
    executor: executor.id,
  };
  await storage.put(
    runSummaryKey(runId),
    { data: JSON.stringify(summary, null, 2) },
    { contentType: "application/json" },
  );
  logger.info("collect finished", { status, counts: c, bytes: storedBytes });
  return summary;
}

/** Settings as recorded: never credentials (storage options may hold some). */
function publicSettings(s: ResolvedConfig["settings"]): Record<string, unknown> {
  const { storage, ...rest } = s;
  return { ...rest, ...(storage ? { storage: { kind: storage.kind } } : {}) };
}
