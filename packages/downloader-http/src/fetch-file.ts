// Fetches one archive file (zip + optional CHECKSUM) into the staging dir and reports its outcome.
import {
  type AdaptiveLimit,
  type ArchiveFile,
  CHECKSUM_SUFFIX,
  type FetchedFile,
  type FetchOptions,
  type FetchResult,
  LakehouseError,
  type Logger,
} from "@crypto-lakehouse/core";
import { type RetryOutcome, type RetryPolicy, withRetries } from "./retry.js";
import { readSmallBody, removeQuietly, stageBody, stagingPath } from "./stage.js";
import { isCongestion, type TransferError } from "./transfer-error.js";
import type { ObjectGetter } from "./transport.js";

export interface FetchContext {
  getter: ObjectGetter;
  policy: RetryPolicy;
  endpoint: string;
  bucket: string;
  /** Longest silence allowed while a body streams. */
  idleTimeoutMs: number;
  /** Zips announced as at most this many bytes are kept in memory, not staged. */
  inMemoryBytes: number;
  logger: Logger;
  /**
   * Requests in flight, shared by every fetch call: each GET (zip or .CHECKSUM) holds a permit while it runs, is
   * counted when it succeeds, and reports throttling, timeouts and resets so the limit backs off.
   */
  limit: AdaptiveLimit;
}

/** Runs one request under a permit of the shared limit (not held while a retry waits out its backoff). */
async function limited<T>(ctx: FetchContext, signal: AbortSignal, request: () => Promise<T>): Promise<T> {
  const release = await ctx.limit.acquire(signal);
  try {
    const value = await request();
    ctx.limit.completed();
    return value;
  } finally {
    release();
  }
}

function failure(
  ctx: FetchContext,
  file: ArchiveFile,
  key: string,
  error: TransferError,
  attempts: number,
): FetchResult {
  const gaveUp = error.info.retryable;
  const details = gaveUp
    ? [
        `gave up after ${attempts} attempts; the file can be fetched again by re-running (resume skips what is done)`,
        `check that ${ctx.endpoint} is reachable, or raise retries / timeout_seconds`,
      ]
    : error.info.code === "NoSuchBucket"
      ? [`bucket "${ctx.bucket}" does not exist at ${ctx.endpoint}: check the downloader endpoint and bucket`]
      : error.info.status === 403
        ? [
            `access denied by ${ctx.endpoint}: the bucket must allow anonymous reads (or the endpoint's user:password be valid keys)`,
          ]
        : [];
  return {
    status: "error",
    file,
    attempts,
    error: new LakehouseError("DOWNLOAD_FAILED", `${key}: ${error.message}`, {
      retryable: gaveUp,
      cause: error,
      details,
    }),
  };
}

/** The file's result once both parts are in: the staged zip and, when asked for, its .CHECKSUM text. */
function fetchedResult(
  ctx: FetchContext,
  file: ArchiveFile,
  zipPath: string,
  zip: Extract<RetryOutcome<StagedZip>, { ok: true }>,
  checksum: RetryOutcome<string> | undefined,
): FetchResult {
  if (checksum && !checksum.ok && !checksum.error.info.notFound) {
    return failure(ctx, file, file.key + CHECKSUM_SUFFIX, checksum.error, checksum.attempts);
  }
  const result: FetchedFile = {
    status: "fetched",
    file,
    zipPath,
    size: zip.value.size,
    sha256: zip.value.sha256,
    attempts: Math.max(zip.attempts, checksum?.attempts ?? 0),
  };
  if (zip.value.bytes) result.zipBytes = zip.value.bytes;
  if (zip.value.etag) result.etag = zip.value.etag;
  if (zip.value.lastModified) result.lastModified = zip.value.lastModified;
  if (checksum?.ok) result.checksumText = checksum.value;
  else if (checksum) result.checksumMissing = true;
  return result;
}

interface StagedZip {
  size: number;
  sha256: string;
  bytes?: Buffer;
  etag: string | undefined;
  lastModified: Date | undefined;
}

/**
 * Resolves with the file's outcome; rejects only when `signal` aborts (after removing its staging file). The zip
 * and its .CHECKSUM are requested at the same time: one round trip per file, not two.
 */
export async function fetchFile(
  ctx: FetchContext,
  file: ArchiveFile,
  stagingDir: string,
  options: FetchOptions,
  signal: AbortSignal,
): Promise<FetchResult> {
  const zipPath = stagingPath(stagingDir, file.key);
  const onRetry = (key: string) => (error: TransferError, attempt: number, delayMs: number) => {
    if (isCongestion(error)) ctx.limit.congested();
    ctx.logger.debug("retrying download", { key, attempt, delayMs, reason: error.message });
  };
  let keep = false;
  try {
    const zipping = withRetries(
      ctx.policy,
      signal,
      () =>
        limited(ctx, signal, async (): Promise<StagedZip> => {
          const res = await ctx.getter.get(file.key, signal);
          const staged = await stageBody(
            res,
            zipPath,
            signal,
            ctx.idleTimeoutMs,
            options.onBytes,
            ctx.inMemoryBytes,
          );
          return { ...staged, etag: res.etag, lastModified: res.lastModified };
        }),
      onRetry(file.key),
    );
    const key = file.key + CHECKSUM_SUFFIX;
    const checksumming = options.withChecksum
      ? withRetries(
          ctx.policy,
          signal,
          () =>
            limited(ctx, signal, async () =>
              readSmallBody(await ctx.getter.get(key, signal), signal, ctx.idleTimeoutMs),
            ),
          onRetry(key),
        )
      : undefined;
    // Both settle before the file does: nothing of it is left running (or staging) behind its result.
    const [zipped, checked] = await Promise.allSettled([zipping, checksumming]);
    if (zipped.status === "rejected") throw zipped.reason;
    if (checked.status === "rejected") throw checked.reason;
    const zip = zipped.value;
    const checksum = checked.value;
    if (!zip.ok) {
      if (zip.error.info.notFound) return { status: "not_found", file, attempts: zip.attempts };
      return failure(ctx, file, file.key, zip.error, zip.attempts);
    }
    const result = fetchedResult(ctx, file, zipPath, zip, checksum);
    keep = result.status === "fetched";
    return result;
  } finally {
    if (!keep) await removeQuietly(zipPath);
  }
}
