// Rebuilds the batch pipeline from a serializable CollectJob — what a queue worker runs for each batch.
// Same container, same plugin factories and option checks, same processor as an in-process run; credentials
// come from the worker's own environment.
import { rm } from "node:fs/promises";
import {
  type BatchProcessor,
  type CollectJob,
  type Downloader,
  type Logger,
  type QueueJob,
  type StorageBackend,
  silentLogger,
} from "@crypto-lakehouse/core";
import { disposeContainer, type JobOverrides, jobContainer, TOKENS } from "./container.js";
import { loadPlugins } from "./plugins.js";
import { builtinRegistry, type PluginRegistry, requirePlugin } from "./registry.js";

export interface JobRuntime {
  processor: BatchProcessor;
  dispose(): Promise<void>;
}

export interface JobRuntimeOptions extends JobOverrides {
  registry?: PluginRegistry;
  logger?: Logger;
  /** Where plugin paths in the job are resolved from. */
  baseDir?: string;
}

export async function createJobRuntime(job: CollectJob, opts: JobRuntimeOptions = {}): Promise<JobRuntime> {
  const registry = opts.registry ?? builtinRegistry();
  if (job.plugins?.length) await loadPlugins(registry, job.plugins, opts.baseDir ?? process.cwd());
  const logger = opts.logger ?? silentLogger;
  const c = jobContainer(job, registry, logger, opts);
  try {
    const { createBatchProcessor, createStagingDir } = await import("@crypto-lakehouse/engine");
    const [downloader, storage] = await Promise.all([
      c.resolve<Promise<Downloader>>(TOKENS.Downloader),
      c.resolve<Promise<StorageBackend>>(TOKENS.Storage),
    ]);
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
        await disposeContainer(c);
      },
    };
  } catch (e) {
    await disposeContainer(c);
    throw e;
  }
}

/**
 * The storage a job names (any kind of job: silver batches too), from the same container and option checks;
 * credentials from this environment. Closing it is the caller's.
 */
export async function createJobStorage(
  job: Pick<QueueJob, "runId" | "storage" | "plugins">,
  opts: JobRuntimeOptions = {},
): Promise<StorageBackend> {
  const registry = opts.registry ?? builtinRegistry();
  if (!opts.registry && job.plugins?.length)
    await loadPlugins(registry, job.plugins, opts.baseDir ?? process.cwd());
  const c = jobContainer(job, registry, opts.logger ?? silentLogger);
  return c.resolve<Promise<StorageBackend>>(TOKENS.Storage);
}

/** Checks a worker's `--downloader` against the plugins it knows (UNSUPPORTED naming them otherwise). */
export function checkDownloader(id: string, registry: PluginRegistry = builtinRegistry()): void {
  requirePlugin(registry, "downloader", id, "--downloader");
}
