// Rebuilds the batch pipeline from a serializable CollectJob — what a queue worker runs for each batch.
// Same plugins, same processor as an in-process run; credentials come from the worker's own environment.
import { rm } from "node:fs/promises";
import {
  type BatchProcessor,
  type CollectJob,
  type DownloaderSettings,
  LakehouseError,
  type Logger,
  type QueueJob,
  type StorageBackend,
  silentLogger,
} from "@crypto-lakehouse/core";
import { createBatchProcessor, createStagingDir } from "@crypto-lakehouse/engine";
import { loadPlugins } from "./plugins.js";
import { builtinRegistry, type PluginRegistry } from "./registry.js";

export interface JobRuntime {
  processor: BatchProcessor;
  dispose(): Promise<void>;
}

export interface JobRuntimeOptions {
  registry?: PluginRegistry;
  logger?: Logger;
  /** Overrides the job's downloader (a worker's `--downloader`). */
  downloader?: string;
  /** Parallel downloads inside one batch (a worker's `--concurrency`). */
  concurrency?: number;
  /** Where plugin paths in the job are resolved from. */
  baseDir?: string;
}

/** The storage a job names (any kind of job), created as its plugin says; credentials from this environment. */
export async function createJobStorage(
  job: Pick<QueueJob, "runId" | "storage" | "plugins">,
  opts: JobRuntimeOptions = {},
): Promise<StorageBackend> {
  const registry = opts.registry ?? builtinRegistry();
  if (!opts.registry && job.plugins?.length)
    await loadPlugins(registry, job.plugins, opts.baseDir ?? process.cwd());
  const sp = registry.storages.get(job.storage.id);
  if (!sp) throw new LakehouseError("UNSUPPORTED", `Job ${job.runId}: unknown storage '${job.storage.id}'`);
  return sp.create((sp.optionsSchema?.parse(job.storage.options) ?? job.storage.options) as never, {
    logger: opts.logger ?? silentLogger,
  });
}

export async function createJobRuntime(job: CollectJob, opts: JobRuntimeOptions = {}): Promise<JobRuntime> {
  const registry = opts.registry ?? builtinRegistry();
  if (job.plugins?.length) await loadPlugins(registry, job.plugins, opts.baseDir ?? process.cwd());
  const logger = opts.logger ?? silentLogger;
  const deps = { logger };
  const downloaderId = opts.downloader ?? job.downloader.id;
  const dp = registry.downloaders.get(downloaderId);
  if (!dp) throw new LakehouseError("UNSUPPORTED", `Job ${job.runId}: unknown downloader '${downloaderId}'`);
  const settings = {
    ...(job.downloader.settings as unknown as DownloaderSettings),
    // A worker's own --concurrency is a cap the user set.
    ...(opts.concurrency ? { concurrency: opts.concurrency, adaptiveConcurrency: false } : {}),
  };
  const downloader = await dp.create(
    settings,
    (dp.optionsSchema?.parse(job.downloader.options ?? {}) ?? {}) as never,
    deps,
  );
  const storage = await createJobStorage(job, { ...opts, registry });
  const stagingDir = await createStagingDir(storage, job.runId, logger);
  const processor = createBatchProcessor({
    runId: job.runId,
    downloader,
    storage,
    stagingDir,
    verify: job.verify,
    ...(job.zipTest ? { zipTest: job.zipTest } : {}),
    logger,
  });
  return {
    processor,
    async dispose() {
      await rm(stagingDir, { recursive: true, force: true });
      await Promise.allSettled([downloader.close?.(), storage.close?.()]);
    },
  };
}
