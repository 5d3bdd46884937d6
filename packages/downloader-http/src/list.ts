// Lists a prefix with ListObjectsV2, following continuation tokens, as one ordered stream of entries.
import type { _Object, CommonPrefix, S3Client } from "@aws-sdk/client-s3";
import { LakehouseError, type ListOptions, type Logger, type RemoteEntry } from "@crypto-lakehouse/core";
import { clientS3 } from "./libraries.js";
import { type RetryPolicy, throwIfAborted, withRetries } from "./retry.js";
import type { TransferError } from "./transfer-error.js";
import { unquoteEtag } from "./transport.js";

export interface ListContext {
  client: S3Client;
  bucket: string;
  endpoint: string;
  pageSize: number;
  policy: RetryPolicy;
  logger: Logger;
}

function listError(ctx: ListContext, prefix: string, error: TransferError, attempts: number): LakehouseError {
  const where = `listing s3://${ctx.bucket}/${prefix} at ${ctx.endpoint}`;
  if (error.info.code === "NoSuchBucket") {
    return new LakehouseError("NOT_FOUND", `${where}: bucket "${ctx.bucket}" does not exist`, {
      cause: error,
      details: ["check the downloader endpoint and bucket settings"],
    });
  }
  if (error.info.status === 403) {
    return new LakehouseError("PERMISSION_DENIED", `${where}: ${error.message}`, {
      cause: error,
      details: ["the bucket must allow anonymous listing (s3:ListBucket)"],
    });
  }
  return new LakehouseError("DOWNLOAD_FAILED", `${where}: ${error.message}`, {
    retryable: error.info.retryable,
    cause: error,
    details: error.info.retryable ? [`gave up after ${attempts} attempts; check the network and retry`] : [],
  });
}

/** Merges a page's objects and common prefixes back into key order (S3 returns them separately). */
function* pageEntries(
  objects: readonly _Object[],
  prefixes: readonly CommonPrefix[],
): Generator<RemoteEntry> {
  const entries: RemoteEntry[] = [];
  for (const o of objects) {
    if (o.Key === undefined) continue;
    const entry: RemoteEntry = { kind: "object", key: o.Key, size: o.Size ?? 0 };
    const etag = unquoteEtag(o.ETag);
    if (etag) entry.etag = etag;
    if (o.LastModified) entry.lastModified = o.LastModified;
    entries.push(entry);
  }
  for (const p of prefixes) if (p.Prefix !== undefined) entries.push({ kind: "prefix", prefix: p.Prefix });
  const name = (e: RemoteEntry) => (e.kind === "object" ? e.key : e.prefix);
  // Byte order, as S3 sorts (not locale order).
  entries.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  yield* entries;
}

function fetchPage(
  ctx: ListContext,
  prefix: string,
  delimiter: string,
  token: string | undefined,
  signal: AbortSignal,
) {
  return withRetries(
    ctx.policy,
    signal,
    () =>
      ctx.client.send(
        new clientS3.ListObjectsV2Command({
          Bucket: ctx.bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
          MaxKeys: ctx.pageSize,
        }),
        { abortSignal: signal },
      ),
    (error, attempt, delayMs) =>
      ctx.logger.debug("retrying listing", { prefix, attempt, delayMs, reason: error.message }),
  );
}

/**
 * Lists `prefix` page by page. The next page is requested as soon as a page arrives, before its entries are handed
 * out: the round trip overlaps the caller's work on this page (downloads, planning).
 */
export async function* listPrefix(
  ctx: ListContext,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<RemoteEntry> {
  const delimiter = options.delimiter ?? "/";
  const signal = options.signal;
  // Aborts a page fetched ahead that nobody will read (the caller stopped early).
  const ahead = new AbortController();
  const onAbort = () => ahead.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let next: ReturnType<typeof fetchPage> | undefined = fetchPage(
    ctx,
    prefix,
    delimiter,
    undefined,
    ahead.signal,
  );
  try {
    while (next) {
      const page = await next;
      next = undefined;
      if (!page.ok) throw listError(ctx, prefix, page.error, page.attempts);
      throwIfAborted(signal);
      const body = page.value;
      ctx.logger.debug("listed page", {
        prefix,
        entries: (body.Contents?.length ?? 0) + (body.CommonPrefixes?.length ?? 0),
        truncated: body.IsTruncated === true,
      });
      if (body.IsTruncated) {
        const token = body.NextContinuationToken;
        if (!token) {
          throw new LakehouseError(
            "DOWNLOAD_FAILED",
            `listing s3://${ctx.bucket}/${prefix}: the server said the page was truncated but sent no continuation token`,
          );
        }
        next = fetchPage(ctx, prefix, delimiter, token, ahead.signal);
      }
      for (const entry of pageEntries(body.Contents ?? [], body.CommonPrefixes ?? [])) {
        throwIfAborted(signal);
        yield entry;
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (next) {
      ahead.abort();
      await next.catch(() => undefined);
    }
  }
}
