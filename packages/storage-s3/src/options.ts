// Options of the s3 storage plugin, how `--output s3://bucket/prefix` maps onto them, and the env fallbacks.
import { formatZodIssues, LakehouseError } from "@crypto-lakehouse/core";
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

/** Option names that would carry credentials: refused, so secrets never travel in queue jobs or `_meta/`. */
const CREDENTIAL_KEYS = [
  "credentials",
  "accessKeyId",
  "access_key_id",
  "accessKey",
  "access_key",
  "secretAccessKey",
  "secret_access_key",
  "secretKey",
  "secret_key",
  "sessionToken",
  "session_token",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
];

/** snake_case spellings accepted in config files (`storage: { kind: "s3", part_size_mb: 16 }`). */
const ALIASES: Record<string, string> = {
  force_path_style: "forcePathStyle",
  part_size_mb: "partSizeMb",
  queue_size: "queueSize",
};

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (dots allowed, as the archive's own name shows)
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const shape = z.strictObject({
  /** Bucket holding the lakehouse. */
  bucket: z
    .string()
    .regex(BUCKET_NAME, "a bucket name is 3–63 characters: lower-case letters, digits, '.' and '-'"),
  /** Key prefix under which bronze/, silver/, gold/, _meta/ live (no leading or trailing '/'). */
  prefix: z.string().optional(),
  /** S3 endpoint URL for S3-compatible stores; default `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS. */
  endpoint: z.url({ protocol: /^https?$/, error: "endpoint must be an http(s) URL" }).optional(),
  /** Region; default `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's region, else us-east-1. */
  region: z.string().min(1).optional(),
  /** Path-style URLs (`endpoint/bucket/key`); default true with a custom endpoint, false on AWS. */
  forcePathStyle: z.boolean().optional(),
  /** Multipart part size in MiB for files put from disk (S3 minimum 5). */
  partSizeMb: z.number().int().min(5).max(5_120).optional(),
  /** Parts uploaded at once per file. */
  queueSize: z.number().int().min(1).max(64).optional(),
});

export type S3StorageOptions = z.infer<typeof shape>;

/** Options schema: refuses credential keys with a clear message, accepts snake_case aliases, rejects unknown keys. */
export const s3StorageOptionsSchema: z.ZodType<S3StorageOptions> = z
  .unknown()
  .superRefine((v, ctx) => {
    if (!v || typeof v !== "object") return;
    for (const k of Object.keys(v)) {
      if (!CREDENTIAL_KEYS.includes(k)) continue;
      ctx.addIssue({
        code: "custom",
        path: [k],
        message:
          "credentials are not accepted in storage options (they would travel in queue jobs and run records); " +
          "set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or use an instance role",
      });
    }
  })
  .pipe(
    z.preprocess((v) => {
      if (!v || typeof v !== "object" || Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) out[ALIASES[k] ?? k] = val;
      return out;
    }, shape),
  ) as unknown as z.ZodType<S3StorageOptions>;

export const DEFAULT_PART_SIZE_MB = 16;
/** Memory per upload is about partSize × queueSize; the collector already runs several files at once. */
export const DEFAULT_QUEUE_SIZE = 2;

/** The settings the backend runs with, options and environment combined. */
export interface ResolvedS3Options {
  bucket: string;
  /** Normalised: no leading/trailing '/', "" for the bucket root. */
  prefix: string;
  endpoint?: string;
  /** undefined: let the SDK's chain (env, profile) decide, falling back to us-east-1. */
  region?: string;
  forcePathStyle: boolean;
  partSizeBytes: number;
  queueSize: number;
}

function invalid(message: string, details: string[] = []): LakehouseError {
  return new LakehouseError("CONFIG_INVALID", message, { details });
}

export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (p === "") return "";
  const segments = p.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..") || p.includes("\0")) {
    throw invalid(`Invalid S3 prefix ${JSON.stringify(prefix)}: no empty, '.' or '..' segments`);
  }
  return p;
}

/** Validates options (refusing credentials) and fills in the environment's endpoint and region. */
export function resolveS3Options(options: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedS3Options {
  const parsed = s3StorageOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    throw invalid(
      "Invalid options for the s3 storage backend",
      formatZodIssues(parsed.error.issues, "storage", s3StorageOptionsSchema),
    );
  }
  const o = parsed.data;
  const endpoint =
    (o.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)?.replace(/\/+$/, "") || undefined;
  if (endpoint && /^\w+:\/\/[^/]*@/.test(endpoint)) {
    throw invalid(`S3 endpoint ${JSON.stringify(redactUrl(endpoint))} carries credentials (user:password@)`, [
      "Give credentials through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile, never in the endpoint URL.",
    ]);
  }
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw invalid(`S3 endpoint ${JSON.stringify(redactUrl(endpoint))} is not an http(s) URL`, [
      "Check storage.endpoint, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL.",
    ]);
  }
  const region = o.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  return {
    bucket: o.bucket,
    prefix: normalizePrefix(o.prefix),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: o.forcePathStyle ?? endpoint !== undefined,
    partSizeBytes: (o.partSizeMb ?? DEFAULT_PART_SIZE_MB) * 1024 * 1024,
    queueSize: o.queueSize ?? DEFAULT_QUEUE_SIZE,
  };
}

/** `s3://bucket[/prefix]` → options; anything else is another backend's. */
export function s3OptionsFromOutput(output: string): S3StorageOptions | undefined {
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(output.trim());
  if (!m) {
    if (/^s3:/i.test(output.trim())) {
      throw invalid(`Invalid S3 output ${JSON.stringify(output)}: use s3://bucket or s3://bucket/prefix`);
    }
    return undefined;
  }
  const bucket = m[1]!;
  if (!BUCKET_NAME.test(bucket)) {
    throw invalid(`Invalid S3 output ${JSON.stringify(output)}: '${bucket}' is not a valid bucket name`, [
      "A bucket name is 3–63 characters: lower-case letters, digits, '.' and '-'.",
    ]);
  }
  const prefix = normalizePrefix(m[2]);
  return prefix ? { bucket, prefix } : { bucket };
}

/** An endpoint URL without user:password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^/@]*@/, "$1");
}
