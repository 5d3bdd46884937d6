// Fetches one archive file (zip + optional CHECKSUM) into the staging dir and reports its outcome.
import {
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
import type { TransferError } from "./transfer-error.js";
import type { ObjectGetter } from "./transport.js";

export interface FetchContext {
  getter: ObjectGetter;
  policy: RetryPolicy;
  endpoint: string;
  bucket: string;
  /** Longest silence allowed while a body streams. */
  idleTimeoutMs: number;
  logger: Logger;
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

/** Resolves with the file's outcome; rejects only when `signal` aborts (after removing its staging file). */
export async function fetchFile(
  ctx: FetchContext,
  file: ArchiveFile,
  stagingDir: string,
  options: FetchOptions,
  signal: AbortSignal,
): Promise<FetchResult> {
  const zipPath = stagingPath(stagingDir, file.key);
  const log = (key: string) => (error: TransferError, attempt: number, delayMs: number) =>
    ctx.logger.debug("retrying download", { key, attempt, delayMs, reason: error.message });
  let keep = false;
  try {
    const zip = await withRetries(
      ctx.policy,
      signal,
      async () => {
        const res = await ctx.getter.get(file.key, signal);
        const staged = await stageBody(res, zipPath, signal, ctx.idleTimeoutMs, options.onBytes);
        return { ...staged, etag: res.etag, lastModified: res.lastModified };
      },
      log(file.key),
    );
    if (!zip.ok) {
      if (zip.error.info.notFound) return { status: "not_found", file, attempts: zip.attempts };
      return failure(ctx, file, file.key, zip.error, zip.attempts);
    }
    let checksum: RetryOutcome<string> | undefined;
    if (options.withChecksum) {
      const key = file.key + CHECKSUM_SUFFIX;
      checksum = await withRetries(
        ctx.policy,
        signal,
        async () => readSmallBody(await ctx.getter.get(key, signal), signal, ctx.idleTimeoutMs),
        log(key),
      );
      if (!checksum.ok && !checksum.error.info.notFound) {
        return failure(ctx, file, key, checksum.error, checksum.attempts);
      }
    }
    const result: FetchedFile = {
      status: "fetched",
      file,
      zipPath,
      size: zip.value.size,
      sha256: zip.value.sha256,
      attempts: Math.max(zip.attempts, checksum?.attempts ?? 0),
    };
    if (zip.value.etag) result.etag = zip.value.etag;
    if (zip.value.lastModified) result.lastModified = zip.value.lastModified;
    if (checksum?.ok) result.checksumText = checksum.value;
    else if (checksum) result.checksumMissing = true;
    keep = true;
    return result;
  } finally {
    if (!keep) await removeQuietly(zipPath);
  }
}
