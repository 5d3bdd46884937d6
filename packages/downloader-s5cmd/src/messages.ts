// Reads s5cmd v2 `--json` lines: cp successes (stdout), per-command errors (stderr, keyed by `command`), ls entries.
import type { RemoteEntry } from "@crypto-lakehouse/core";

/** `{"operation":"cp","success":true,"source":"s3://b/k","destination":"/d","object":{"size":9}}` */
export interface CopyDone {
  kind: "done";
  source: string;
  destination: string;
  size: number | undefined;
}
/** `{"operation":"cp","command":"cp s3://b/k /d","error":"NoSuchKey: … status code: 404, …"}` */
export interface CommandFailed {
  kind: "failed";
  /** The `s3://` URLs named in the failed command. */
  sources: string[];
  error: string;
}
/** An error not tied to one command (`{"error":"session: fetching region failed: …"}`). */
export interface GeneralError {
  kind: "general";
  error: string;
}
export type ParsedLine = CopyDone | CommandFailed | GeneralError | { kind: "other" };

export function parseLine(json: Record<string, unknown>): ParsedLine {
  const error = typeof json.error === "string" ? json.error : undefined;
  if (json.success === true && typeof json.source === "string") {
    const object = json.object as { size?: unknown } | undefined;
    return {
      kind: "done",
      source: json.source,
      destination: typeof json.destination === "string" ? json.destination : "",
      size: typeof object?.size === "number" ? object.size : undefined,
    };
  }
  if (error !== undefined && typeof json.command === "string") {
    return { kind: "failed", sources: json.command.match(/s3:\/\/\S+/g) ?? [], error };
  }
  if (error !== undefined) return { kind: "general", error };
  return { kind: "other" };
}

export interface ErrorClass {
  notFound: boolean;
  retryable: boolean;
  noSuchBucket: boolean;
  forbidden: boolean;
  /** Throttling (503 SlowDown, 429), a timeout or a reset: the adaptive concurrency backs off. */
  congested: boolean;
}

/** HTTP status in the SDK's `status code: 404` wording. */
function statusOf(error: string): number | undefined {
  const m = /status code: (\d{3})/.exec(error);
  return m ? Number(m[1]) : undefined;
}

// Transport failures of Go's HTTP client and the AWS SDK: the network's fault, so worth another attempt.
const TRANSIENT =
  /RequestError|send request failed|connection reset|connection refused|broken pipe|unexpected EOF|\bEOF\b|i\/o timeout|timed out|timeout|TLS handshake|no such host|network is unreachable|server closed|SlowDown|InternalError|ServiceUnavailable|RequestTimeout|Throttl|use of closed network connection|http2/i;

const CONGESTION = /SlowDown|Throttl|RequestTimeout|connection reset|i\/o timeout|timed out|timeout/i;

/** What an s5cmd error means for us: a missing object, worth a retry, or final. */
export function classifyError(error: string): ErrorClass {
  const status = statusOf(error);
  const noSuchBucket = /NoSuchBucket/.test(error);
  const notFound = !noSuchBucket && (/NoSuchKey/.test(error) || status === 404);
  const forbidden = status === 403 || /AccessDenied|Forbidden/.test(error);
  let retryable = false;
  if (status !== undefined) retryable = status === 408 || status === 429 || status >= 500;
  else if (!notFound && !forbidden && !noSuchBucket) retryable = TRANSIENT.test(error);
  const congested = status === 429 || status === 503 || CONGESTION.test(error);
  return { notFound, retryable, noSuchBucket, forbidden, congested };
}

/** An `ls --json` line as a RemoteEntry (`s3://bucket/` stripped); undefined for anything else. */
export function toRemoteEntry(json: Record<string, unknown>, bucketUrl: string): RemoteEntry | undefined {
  const key = json.key;
  if (typeof key !== "string" || !key.startsWith(bucketUrl)) return undefined;
  const name = key.slice(bucketUrl.length);
  if (json.type === "directory") return { kind: "prefix", prefix: name };
  const entry: RemoteEntry = {
    kind: "object",
    key: name,
    size: typeof json.size === "number" ? json.size : 0,
  };
  if (typeof json.etag === "string" && json.etag) entry.etag = json.etag.replace(/^"|"$/g, "");
  if (typeof json.last_modified === "string") {
    const d = new Date(json.last_modified);
    if (!Number.isNaN(d.getTime())) entry.lastModified = d;
  }
  return entry;
}

/** Shortens s5cmd's long SDK messages (request ids, host ids) to what a person needs. */
export function tidyError(error: string): string {
  return error
    .replace(/,?\s*request id: [^,]*/g, "")
    .replace(/,?\s*host id: \S*/g, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}
