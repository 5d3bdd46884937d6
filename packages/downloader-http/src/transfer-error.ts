// One internal error shape for both transports (SDK, undici), so retry decisions live in one place.

export interface TransferErrorInfo {
  /** HTTP status when the server answered. */
  status?: number;
  /** S3 error code (`NoSuchKey`, `SlowDown`) or Node/undici error code (`ECONNRESET`). */
  code?: string;
  retryable: boolean;
  /** The object does not exist (404 NoSuchKey) — not an error for the caller. */
  notFound?: boolean;
}

export class TransferError extends Error {
  override readonly name = "TransferError";
  constructor(
    message: string,
    readonly info: TransferErrorInfo,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** Local disk problems: retrying the download cannot fix them. */
const LOCAL_FS_CODES = new Set([
  "ENOSPC",
  "EACCES",
  "EPERM",
  "EROFS",
  "ENOENT",
  "EISDIR",
  "ENOTDIR",
  "EDQUOT",
]);
/** Errors that are bugs or bad arguments, never the network's fault. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError];
const NOT_RETRYABLE_UNDICI = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_INVALID_RETURN_VALUE",
]);

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed while sending",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed temporarily",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for response headers",
  UND_ERR_BODY_TIMEOUT: "timed out waiting for body data",
  UND_ERR_SOCKET: "connection closed by the server",
  ERR_STREAM_PREMATURE_CLOSE: "body ended prematurely",
};

/** Codes of a link or server that is overloaded: the adaptive concurrency backs off on them. */
const CONGESTION_CODES = new Set([
  "SlowDown",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "BODY_TIMEOUT",
  "TIMEOUT",
]);

/** Throttling (503 SlowDown, 429), timeouts and resets: signs of too many requests in flight. */
export function isCongestion(error: TransferError): boolean {
  const { status, code } = error.info;
  return status === 429 || status === 503 || (code !== undefined && CONGESTION_CODES.has(code));
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Classifies an HTTP error answer. A 404 for a bucket is a configuration problem, not a missing file. */
export function httpError(
  status: number,
  code: string | undefined,
  message: string | undefined,
): TransferError {
  const text = [code, message].filter((s) => s && s.length > 0).join(": ");
  const reason = `HTTP ${status}${text ? ` ${text}` : ""}`;
  if (status === 404 && code !== "NoSuchBucket") {
    return new TransferError(reason, { status, code: code ?? "NoSuchKey", retryable: false, notFound: true });
  }
  return new TransferError(reason, {
    status,
    ...(code ? { code } : {}),
    retryable: isRetryableStatus(status),
  });
}

function errorCode(e: object): string | undefined {
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // Node's happy-eyeballs connect raises an AggregateError whose members carry the code.
  const inner = (e as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner[0] && typeof inner[0] === "object") return errorCode(inner[0]);
  return undefined;
}

/** Turns anything a transport threw into a classified TransferError. */
export function toTransferError(e: unknown): TransferError {
  if (e instanceof TransferError) return e;
  if (typeof e !== "object" || e === null) return new TransferError(String(e), { retryable: false });
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 300) {
    const code = err.name && err.name !== "Unknown" && err.name !== "UnknownError" ? err.name : undefined;
    const msg =
      err.message && err.message !== code && err.message !== "UnknownError" ? err.message : undefined;
    return httpError(status, code, msg);
  }
  const code = errorCode(e);
  const message = err.message || code || err.name || "unknown error";
  if (code && LOCAL_FS_CODES.has(code)) {
    return new TransferError(`cannot write the staging file: ${message}`, { code, retryable: false }, e);
  }
  if (code) {
    const known = NETWORK_REASONS[code];
    const reason =
      known && !message.includes(code)
        ? `${known} (${code}: ${message})`
        : known
          ? `${known} (${message})`
          : `${message} (${code})`;
    return new TransferError(reason, { code, retryable: !NOT_RETRYABLE_UNDICI.has(code) }, e);
  }
  if (err.name === "TimeoutError" || /timed? ?out/i.test(message)) {
    return new TransferError(`timed out: ${message}`, { code: "TIMEOUT", retryable: true }, e);
  }
  if (PROGRAMMING_ERRORS.some((t) => e instanceof t)) {
    return new TransferError(`${err.name}: ${message}`, { retryable: false }, e);
  }
  // An unlabelled error mid-transfer (socket hang up, aborted response) is most likely the network.
  return new TransferError(message, { retryable: true }, e);
}

export function truncatedBody(received: number, expected: number): TransferError {
  return new TransferError(`truncated body: received ${received} of ${expected} bytes`, {
    code: "TRUNCATED",
    retryable: true,
  });
}
