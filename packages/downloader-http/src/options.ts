// Options of the sdk downloader and the defaults that fill in settings a caller left out.
import {
  ADAPTIVE_MAX,
  type DownloaderSettings,
  formatZodIssues,
  LakehouseError,
  REAL_ARCHIVE,
} from "@crypto-lakehouse/core";
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

export const sdkDownloaderOptionsSchema = z.object({
  /** How object bodies are fetched: raw keep-alive HTTP (undici, measured faster) or the SDK's GetObject. */
  transport: z.enum(["http", "sdk"]).default("http"),
  /** Listing page size (MaxKeys); S3 never returns more than 1000. */
  listPageSize: z.number().int().min(1).max(1000).default(1000),
  /** Full-jitter backoff: the n-th retry waits random(0, min(backoffMaxMs, backoffBaseMs * 2^(n-1))). */
  backoffBaseMs: z.number().int().min(0).default(250),
  backoffMaxMs: z.number().int().min(0).default(20_000),
  /** Resident memory (MB) above which the adaptive concurrency stops growing and is cut. */
  memoryBudgetMb: z.number().int().min(64).default(320),
  /** Zips of at most this many KiB are kept in memory from download to store, not staged on disk (0: always staged). */
  inMemoryMaxKb: z.number().int().min(0).max(1024).default(128),
  /** Offer HTTP/2 to HTTPS object hosts (undici `allowH2`); off: measured slower than HTTP/1.1 keep-alive (README). */
  http2: z.boolean().default(false),
});

export type SdkDownloaderOptions = z.input<typeof sdkDownloaderOptionsSchema>;
export type ResolvedSdkOptions = z.output<typeof sdkDownloaderOptionsSchema>;

export interface ResolvedSettings extends DownloaderSettings {
  /** The S3 endpoint (listings, and objects with `transport: "sdk"`). */
  endpoint: string;
  /** Objects are fetched from `<objectEndpoint>/<key>`. */
  objectEndpoint: string;
  adaptiveConcurrency: boolean;
}

export const DEFAULT_SETTINGS = {
  timeoutSeconds: 60,
  retries: 3,
} as const;

export function resolveOptions(options: SdkDownloaderOptions | undefined): ResolvedSdkOptions {
  const parsed = sdkDownloaderOptionsSchema.safeParse(options ?? {}, { reportInput: true });
  if (!parsed.success) {
    const details = formatZodIssues(parsed.error.issues, "downloader.options", sdkDownloaderOptionsSchema);
    throw new LakehouseError(
      "CONFIG_INVALID",
      `invalid options for the sdk downloader: ${details.join("; ")}`,
      {
        details,
      },
    );
  }
  return parsed.data;
}

/**
 * Where objects come from when `objectEndpoint` is unset: the archive's documented download host for the real
 * archive, else the S3 endpoint, path style (a replica served by one S3 server).
 */
function defaultObjectEndpoint(s: Partial<DownloaderSettings>, endpoint: string, bucket: string): string {
  if (!s.endpoint && bucket === REAL_ARCHIVE.bucket) return REAL_ARCHIVE.objectEndpoint;
  return `${endpoint}/${encodeURIComponent(bucket)}`;
}

/** Fills unset settings: the real archive, adaptive concurrency, 60 s timeouts, 3 retries. */
export function resolveSettings(settings: Partial<DownloaderSettings> | undefined): ResolvedSettings {
  const s = settings ?? {};
  const region = s.region || REAL_ARCHIVE.region;
  const endpoint =
    s.endpoint ||
    (region === REAL_ARCHIVE.region ? REAL_ARCHIVE.endpoint : `https://s3.${region}.amazonaws.com`);
  const bucket = s.bucket || REAL_ARCHIVE.bucket;
  const out: ResolvedSettings = {
    endpoint: endpoint.replace(/\/+$/, ""),
    objectEndpoint: (
      s.objectEndpoint || defaultObjectEndpoint(s, endpoint.replace(/\/+$/, ""), bucket)
    ).replace(/\/+$/, ""),
    region,
    bucket,
    // No limit given: adapt, up to the adaptive maximum.
    concurrency: s.concurrency ?? ADAPTIVE_MAX,
    adaptiveConcurrency: s.adaptiveConcurrency ?? s.concurrency === undefined,
    timeoutSeconds: s.timeoutSeconds ?? DEFAULT_SETTINGS.timeoutSeconds,
    retries: s.retries ?? DEFAULT_SETTINGS.retries,
    partSizeMb: s.partSizeMb ?? 0,
  };
  const problems: string[] = [];
  if (!Number.isInteger(out.concurrency) || out.concurrency < 1)
    problems.push("concurrency: must be an integer ≥ 1");
  if (!(out.timeoutSeconds > 0)) problems.push("timeoutSeconds: must be > 0");
  if (!Number.isInteger(out.retries) || out.retries < 0) problems.push("retries: must be an integer ≥ 0");
  if (!/^https?:\/\/[^/]/.test(out.endpoint))
    problems.push(`endpoint: "${out.endpoint}" is not an http(s) URL`);
  if (!/^https?:\/\/[^/]/.test(out.objectEndpoint))
    problems.push(`objectEndpoint: "${out.objectEndpoint}" is not an http(s) URL`);
  if (problems.length > 0) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `invalid settings for the sdk downloader: ${problems.join("; ")}`,
      {
        details: problems,
      },
    );
  }
  return out;
}
