// Options of the sdk downloader and the defaults that fill in settings a caller left out.
import {
  type DownloaderSettings,
  formatZodIssues,
  LakehouseError,
  REAL_ARCHIVE,
} from "@crypto-lakehouse/core";
import { z } from "zod";

export const sdkDownloaderOptionsSchema = z.object({
  /** How object bodies are fetched: raw keep-alive HTTP (undici, measured faster) or the SDK's GetObject. */
  transport: z.enum(["http", "sdk"]).default("http"),
  /** Listing page size (MaxKeys); S3 never returns more than 1000. */
  listPageSize: z.number().int().min(1).max(1000).default(1000),
  /** Full-jitter backoff: the n-th retry waits random(0, min(backoffMaxMs, backoffBaseMs * 2^(n-1))). */
  backoffBaseMs: z.number().int().min(0).default(250),
  backoffMaxMs: z.number().int().min(0).default(20_000),
});

export type SdkDownloaderOptions = z.input<typeof sdkDownloaderOptionsSchema>;
export type ResolvedSdkOptions = z.output<typeof sdkDownloaderOptionsSchema>;

export interface ResolvedSettings extends DownloaderSettings {
  endpoint: string;
}

export const DEFAULT_SETTINGS = {
  concurrency: 8,
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

/** Fills unset settings: the real archive, 8 transfers, 60 s timeouts, 3 retries. */
export function resolveSettings(settings: Partial<DownloaderSettings> | undefined): ResolvedSettings {
  const s = settings ?? {};
  const region = s.region || REAL_ARCHIVE.region;
  const endpoint =
    s.endpoint ||
    (region === REAL_ARCHIVE.region ? REAL_ARCHIVE.endpoint : `https://s3.${region}.amazonaws.com`);
  const out: ResolvedSettings = {
    endpoint: endpoint.replace(/\/+$/, ""),
    region,
    bucket: s.bucket || REAL_ARCHIVE.bucket,
    concurrency: s.concurrency ?? DEFAULT_SETTINGS.concurrency,
    timeoutSeconds: s.timeoutSeconds ?? DEFAULT_SETTINGS.timeoutSeconds,
    retries: s.retries ?? DEFAULT_SETTINGS.retries,
    partSizeMb: s.partSizeMb ?? 0,
    extraArgs: s.extraArgs ?? [],
    batchMode: s.batchMode ?? false,
  };
  const problems: string[] = [];
  if (!Number.isInteger(out.concurrency) || out.concurrency < 1)
    problems.push("concurrency: must be an integer ≥ 1");
  if (!(out.timeoutSeconds > 0)) problems.push("timeoutSeconds: must be > 0");
  if (!Number.isInteger(out.retries) || out.retries < 0) problems.push("retries: must be an integer ≥ 0");
  if (!/^https?:\/\/[^/]/.test(out.endpoint))
    problems.push(`endpoint: "${out.endpoint}" is not an http(s) URL`);
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
