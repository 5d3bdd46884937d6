// Maps AWS SDK errors to LakehouseErrors that say what failed and where, with every secret scrubbed out.
import { LakehouseError } from "@crypto-lakehouse/core";

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const AUTH_ERRORS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "Forbidden",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidSecurity",
  "AuthorizationHeaderMalformed",
  // versitygw's answer (HTTP 404) for an access key it does not know.
  "XAdminUserNotFound",
]);

const CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "ProviderError"]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "RequestTimeout",
]);

/** Values that must never be shown: the credential variables of this process. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  return [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID].filter(
    (v): v is string => typeof v === "string" && v.length >= 4,
  );
}

/** Removes credentials from text: this process's AWS_* secrets, access key ids, signing headers. */
export function scrub(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const s of secretValues(env)) out = out.split(s).join("[redacted]");
  return out
    .replace(/\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, "[redacted]")
    .replace(/(Credential=)[^,\s]+/g, "$1[redacted]")
    .replace(/(Signature=)[0-9a-f]+/g, "$1[redacted]")
    .replace(/(X-Amz-Security-Token=)[^&\s]+/gi, "$1[redacted]");
}

export function errorName(e: unknown): string {
  const x = e as SdkErrorLike;
  return String(x?.name && x.name !== "Error" ? x.name : (x?.Code ?? x?.code ?? x?.name ?? "Error"));
}

export function httpStatus(e: unknown): number | undefined {
  return (e as SdkErrorLike)?.$metadata?.httpStatusCode;
}

export function isAuthError(e: unknown): boolean {
  return AUTH_ERRORS.has(errorName(e)) || httpStatus(e) === 403 || httpStatus(e) === 401;
}

/** No object under the key (a rejected credential or a missing bucket is not that, whatever its status). */
export function isNotFound(e: unknown): boolean {
  const name = errorName(e);
  if (isAuthError(e) || name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || httpStatus(e) === 404;
}

function isNetwork(e: unknown): boolean {
  const x = e as SdkErrorLike;
  return NETWORK_CODES.has(String(x?.code)) || NETWORK_CODES.has(errorName(e));
}

/** A plain Error that keeps the SDK error's name and scrubbed message, never its request/response objects. */
function safeCause(e: unknown): Error {
  const err = new Error(scrub((e as SdkErrorLike)?.message ?? String(e)));
  err.name = errorName(e);
  return err;
}

export interface S3ErrorContext {
  /** "storing", "reading", "listing", "deleting", "writing to" … */
  action: string;
  /** `s3://bucket/prefix/key` or the store's location. */
  where: string;
  /** The store's location, named by auth errors (`s3://bucket/prefix`). */
  location: string;
  /** Endpoint for messages (no userinfo), when custom. */
  endpoint?: string;
}

/** The LakehouseError for an SDK failure; keeps one that already is. */
export function s3Error(e: unknown, ctx: S3ErrorContext): LakehouseError {
  if (e instanceof LakehouseError) return e;
  const name = errorName(e);
  const status = httpStatus(e);
  const reason = scrub((e as SdkErrorLike)?.message || name);
  const via = ctx.endpoint ? ` at ${ctx.endpoint}` : "";
  const cause = safeCause(e);
  if (CREDENTIAL_ERRORS.has(name)) {
    return new LakehouseError(
      "STORAGE_FAILED",
      `No AWS credentials found for ${ctx.location}${via}: ${reason}`,
      {
        cause,
        details: [
          "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (~/.aws/credentials), or run with an instance role.",
        ],
      },
    );
  }
  if (isAuthError(e)) {
    return new LakehouseError(
      "STORAGE_FAILED",
      `Access denied ${ctx.action} ${ctx.where}${ctx.where === ctx.location ? via : ` (bucket ${ctx.location}${via})`}: ${name}${status ? ` (HTTP ${status})` : ""}`,
      {
        cause,
        details: [
          name === "AccessDenied" || name === "Forbidden"
            ? "The credentials are valid but may not write this bucket/prefix: check the bucket policy and IAM permissions (s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject)."
            : "The store rejected the credentials: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the endpoint.",
        ],
      },
    );
  }
  if (name === "NoSuchBucket") {
    return new LakehouseError("STORAGE_FAILED", `Bucket of ${ctx.location} does not exist${via}`, {
      cause,
      details: ["Create the bucket first, or fix the bucket name in --output s3://bucket/prefix."],
    });
  }
  if (isNetwork(e)) {
    return new LakehouseError(
      "STORAGE_FAILED",
      `Cannot reach the S3 store${via} ${ctx.action} ${ctx.where}: ${reason}`,
      {
        cause,
        retryable: true,
        details: ["Check the endpoint (AWS_ENDPOINT_URL_S3 / storage.endpoint) and the network."],
      },
    );
  }
  const retryable =
    (status !== undefined && status >= 500) ||
    name === "SlowDown" ||
    Boolean((e as SdkErrorLike)?.$retryable);
  return new LakehouseError(
    "STORAGE_FAILED",
    `Failed ${ctx.action} ${ctx.where}${via}: ${name}${status ? ` (HTTP ${status})` : ""}${reason && reason !== name ? `: ${reason}` : ""}`,
    { cause, retryable },
  );
}
