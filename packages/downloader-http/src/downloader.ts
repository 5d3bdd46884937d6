// The sdk downloader: anonymous S3 listing with the AWS SDK, streaming hashed GETs, our own retry policy.
import {
  type ArchiveFile,
  type ConcurrencyReport,
  createAdaptiveLimit,
  type Downloader,
  type DownloaderSettings,
  ensureStagingDir,
  type FetchOptions,
  type FetchResult,
  LakehouseError,
  type ListOptions,
  type PluginDeps,
  type RemoteEntry,
  silentLogger,
  splitUrlCredentials,
} from "@crypto-lakehouse/core";
import { type FetchContext, fetchFile } from "./fetch-file.js";
import { createHttpGetter } from "./http-getter.js";
import { type ListContext, listPrefix } from "./list.js";
import {
  type ResolvedSdkOptions,
  type ResolvedSettings,
  resolveOptions,
  resolveSettings,
  type SdkDownloaderOptions,
} from "./options.js";
import { mapConcurrent } from "./pool.js";
import type { RetryPolicy } from "./retry.js";
import { createAnonymousS3, createSdkGetter } from "./s3-client.js";
import { removeQuietly } from "./stage.js";

export interface SdkDownloader extends Downloader {
  readonly settings: Readonly<ResolvedSettings>;
  readonly options: Readonly<ResolvedSdkOptions>;
  concurrency(): ConcurrencyReport;
  close(): Promise<void>;
}

function cancelled(what: string, signal: AbortSignal): LakehouseError {
  return new LakehouseError("CANCELLED", `${what} was cancelled`, { cause: signal.reason });
}

/** The settings without the credentials an endpoint URL may carry (`user:password@`), and those credentials. */
function withoutCredentials(settings?: Partial<DownloaderSettings>) {
  // Kept out of our settings and messages, and used to sign requests.
  const split = settings?.endpoint ? splitUrlCredentials(settings.endpoint) : undefined;
  const objects = settings?.objectEndpoint ? splitUrlCredentials(settings.objectEndpoint) : undefined;
  const s = resolveSettings({
    ...settings,
    ...(split ? { endpoint: split.url } : {}),
    ...(objects ? { objectEndpoint: objects.url } : {}),
  });
  return { s, credentials: split?.credentials ?? objects?.credentials };
}

/** Fetches the files `concurrency` at a time, yielding each result as it is final. */
async function* fetchAll(
  fetchCtx: FetchContext,
  concurrency: number,
  files: readonly ArchiveFile[],
  stagingDir: string,
  fetchOptions: FetchOptions,
): AsyncIterable<FetchResult> {
  const signal = fetchOptions.signal;
  if (signal?.aborted) throw cancelled("fetch", signal);
  await ensureStagingDir(stagingDir);
  let delivered = 0;
  const results = mapConcurrent(
    files,
    concurrency,
    (file, fileSignal) => fetchFile(fetchCtx, file, stagingDir, fetchOptions, fileSignal),
    {
      ...(signal ? { signal } : {}),
      // A result nobody received is a staged file nobody will move: delete it.
      discard: (r) => (r.status === "fetched" && !r.zipBytes ? removeQuietly(r.zipPath) : undefined),
    },
  );
  for await (const result of results) {
    delivered++;
    yield result;
  }
  if (delivered < files.length && signal?.aborted) throw cancelled("fetch", signal);
}

/**
 * Creates the downloader. Unset settings default to the real archive (REAL_ARCHIVE: listings from its S3 endpoint,
 * objects from its download host), adaptive concurrency, 60 s timeouts and 3 retries.
 */
export function createSdkDownloader(
  settings?: Partial<DownloaderSettings>,
  options?: SdkDownloaderOptions,
  deps?: Partial<PluginDeps>,
): SdkDownloader {
  const { s, credentials } = withoutCredentials(settings);
  const o = resolveOptions(options);
  const logger = (deps?.logger ?? silentLogger).child({ downloader: "http" });
  const policy: RetryPolicy = { retries: s.retries, baseMs: o.backoffBaseMs, maxMs: o.backoffMaxMs };
  const s3 = createAnonymousS3(s, credentials);
  // Plain HTTP GETs are unsigned: with credentials, objects come through the SDK's signed GetObject.
  const http = o.transport === "http" && !credentials;
  const getter = http
    ? createHttpGetter({
        objectEndpoint: s.objectEndpoint,
        // A zip and its .CHECKSUM are in flight together.
        connections: 2 * s.concurrency,
        timeoutMs: Math.round(s.timeoutSeconds * 1000),
        http2: o.http2,
      })
    : createSdkGetter(s3, s.bucket);
  // One limit for every fetch call of this instance: the batches run side by side share it.
  const limit = createAdaptiveLimit({
    max: s.concurrency,
    adaptive: s.adaptiveConcurrency,
    memoryBudgetBytes: o.memoryBudgetMb * 1024 * 1024,
  });
  const listCtx: ListContext = {
    client: s3.client,
    bucket: s.bucket,
    endpoint: s.endpoint,
    pageSize: o.listPageSize,
    policy,
    logger,
  };
  const fetchCtx: FetchContext = {
    getter,
    policy,
    endpoint: http ? s.objectEndpoint : s.endpoint,
    bucket: s.bucket,
    idleTimeoutMs: Math.round(s.timeoutSeconds * 1000),
    inMemoryBytes: o.inMemoryMaxKb * 1024,
    logger,
    limit,
  };
  let closed = false;

  return {
    kind: "downloader",
    id: "http",
    settings: s,
    options: o,
    concurrency: () => limit.report(),

    async *list(prefix: string, listOptions?: ListOptions): AsyncIterable<RemoteEntry> {
      const signal = listOptions?.signal;
      try {
        yield* listPrefix(listCtx, prefix, listOptions);
      } catch (e) {
        if (signal?.aborted) throw cancelled(`listing ${prefix}`, signal);
        throw e;
      }
    },

    fetch(files: readonly ArchiveFile[], stagingDir: string, fetchOptions: FetchOptions) {
      return fetchAll(fetchCtx, s.concurrency, files, stagingDir, fetchOptions);
    },

    async close() {
      if (closed) return;
      closed = true;
      await getter.close();
      s3.close();
    },
  };
}
