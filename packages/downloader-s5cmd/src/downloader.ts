// The s5cmd downloader: lists with `s5cmd ls`, fetches each batch with one `s5cmd run` of cp commands.
import {
  type ArchiveFile,
  type ConcurrencyReport,
  createAdaptiveLimit,
  type Downloader,
  type FetchOptions,
  type FetchResult,
  type ListOptions,
  type PluginDeps,
  type RemoteEntry,
  silentLogger,
  splitUrlCredentials,
} from "@crypto-lakehouse/core";
import { checkS5cmd, findS5cmd } from "./binary.js";
import { type FetchContext, fetchFiles } from "./fetch.js";
import { type ListContext, listPrefix } from "./list.js";
import {
  type ResolvedS5cmdOptions,
  type ResolvedS5cmdSettings,
  resolveOptions,
  resolveSettings,
  type S5cmdDownloaderOptions,
  type S5cmdSettings,
} from "./options.js";

export interface S5cmdDownloader extends Downloader {
  readonly settings: Readonly<ResolvedS5cmdSettings>;
  readonly options: Readonly<ResolvedS5cmdOptions>;
  /** Absolute path of the s5cmd binary in use. */
  readonly binary: string;
  /** What `s5cmd version` printed. */
  readonly version: string;
  concurrency(): ConcurrencyReport;
}

/** s5cmd processes at once (one per batch). */
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * Creates the downloader after checking that s5cmd runs (TOOL_MISSING otherwise, with the ways to install
 * it). Unset settings default to the real archive, 8 workers, 60 s timeouts, 3 retries, 50 MB parts.
 */
export async function createS5cmdDownloader(
  settings?: Partial<S5cmdSettings>,
  options?: S5cmdDownloaderOptions,
  deps?: Partial<PluginDeps>,
): Promise<S5cmdDownloader> {
  // `user:password@` in the endpoint: kept out of s5cmd's command line, our settings and messages.
  const split = settings?.endpoint ? splitUrlCredentials(settings.endpoint) : undefined;
  const credentials = split?.credentials;
  const o = resolveOptions(options);
  // s5cmd's own settings come as options (from config) or directly in settings (embedders, tests).
  const s = resolveSettings({
    ...settings,
    ...(split ? { endpoint: split.url } : {}),
    ...(o.batchMode !== undefined ? { batchMode: o.batchMode } : {}),
    ...(o.extraArgs !== undefined ? { extraArgs: o.extraArgs } : {}),
  });
  const binary = findS5cmd(o.binary);
  const version = await checkS5cmd(binary);
  const logger = (deps?.logger ?? silentLogger).child({ downloader: "s5cmd" });
  const backoff = { baseMs: o.backoffBaseMs, maxMs: o.backoffMaxMs };
  const listCtx: ListContext = {
    binary,
    settings: s,
    credentials,
    backoff,
    logger,
    pollMs: o.progressIntervalMs,
  };
  // One budget for every fetch call of this instance: batches run side by side must share max_parallel_downloads.
  const budget = createAdaptiveLimit({ max: s.concurrency, adaptive: s.adaptiveConcurrency });
  const fetchCtx: FetchContext = {
    binary,
    settings: s,
    credentials,
    backoff,
    logger,
    pollMs: o.progressIntervalMs,
    budget,
  };

  return {
    kind: "downloader",
    id: "s5cmd",
    // Each batch is its own s5cmd process (~30–40 MB with its workers): more at once would pass the memory budget.
    maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
    settings: s,
    options: o,
    binary,
    version,
    concurrency: () => budget.report(),
    list(prefix: string, listOptions?: ListOptions): AsyncIterable<RemoteEntry> {
      return listPrefix(listCtx, prefix, listOptions);
    },
    fetch(
      files: readonly ArchiveFile[],
      stagingDir: string,
      fetchOptions: FetchOptions,
    ): AsyncIterable<FetchResult> {
      return fetchFiles(fetchCtx, files, stagingDir, fetchOptions);
    },
    // Every s5cmd process ends with its call; nothing is kept open between calls.
    async close() {},
  };
}
