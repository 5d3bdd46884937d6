// The settings part of a config (output, tuning, plugins chosen by id) with the defaults filled in.
import { REAL_ARCHIVE } from "../contracts/downloader.js";
import { ADAPTIVE_MAX } from "../transfer/adaptive-limit.js";
import type { CollectSettings } from "./normalize.js";
import { CONFIG_DEFAULTS, type RawConfig } from "./schema.js";

/**
 * Top-level keys of the specification that belong to one downloader (s5cmd's); they travel to the chosen
 * downloader as options, under these names, and its schema takes the ones it knows.
 */
export const DOWNLOADER_CONFIG_KEYS = ["enable_batch_mode", "s5cmd_extra_args"] as const;

/** `downloader: "id"` or `{ kind: id, …options }`, plus the specification's downloader keys, as id and options. */
function downloaderOf(raw: RawConfig): { id: string; options: Record<string, unknown> } {
  const d = raw.downloader;
  const { kind, ...options } = typeof d === "object" ? d : { kind: d ?? CONFIG_DEFAULTS.downloader };
  for (const k of DOWNLOADER_CONFIG_KEYS) if (raw[k] !== undefined) options[k] = raw[k];
  return { id: kind, options };
}

export function settingsOf(raw: RawConfig): CollectSettings {
  const executor = typeof raw.executor === "string" ? { kind: raw.executor } : raw.executor;
  const downloader = downloaderOf(raw);
  return {
    output: raw.output_directory ?? CONFIG_DEFAULTS.output_directory,
    batchSize: raw.batch_size ?? CONFIG_DEFAULTS.batch_size,
    concurrency: raw.max_parallel_downloads ?? ADAPTIVE_MAX,
    adaptiveConcurrency: raw.max_parallel_downloads === undefined,
    resume: raw.enable_resume ?? CONFIG_DEFAULTS.enable_resume,
    verify: raw.download_checksum ?? CONFIG_DEFAULTS.download_checksum,
    zipTest: raw.zip_test ?? CONFIG_DEFAULTS.zip_test,
    forceRedownload: raw.force_redownload ?? CONFIG_DEFAULTS.force_redownload,
    refreshChanged: raw.refresh_changed ?? CONFIG_DEFAULTS.refresh_changed,
    timeoutSeconds: raw.timeout_seconds ?? CONFIG_DEFAULTS.timeout_seconds,
    retries: raw.retries ?? CONFIG_DEFAULTS.retries,
    partSizeMb: raw.part_size_mb ?? CONFIG_DEFAULTS.part_size_mb,
    downloader: downloader.id,
    downloaderOptions: downloader.options,
    region: raw.region ?? REAL_ARCHIVE.region,
    bucket: raw.bucket ?? REAL_ARCHIVE.bucket,
    plugins: raw.plugins ?? [],
    ...(raw.matrix_path ? { matrixPath: raw.matrix_path } : {}),
    ...endpoints(raw),
    ...(raw.storage ? { storage: raw.storage as CollectSettings["storage"] } : {}),
    ...(executor ? { executor: executor as CollectSettings["executor"] } : {}),
    ...(raw.queue ? { queue: raw.queue } : {}),
    ...(raw.staging_directory ? { stagingDir: raw.staging_directory } : {}),
  };
}

/**
 * Listings from the S3 API, objects from `<object endpoint>/<key>`. `endpoint` points both at one S3 server (a
 * replica: objects path style, `<endpoint>/<bucket>`); `listing_endpoint` and `object_endpoint` set each apart.
 * Unset, the downloader uses the archive's S3 endpoint for listings and its download host for objects.
 */
function endpoints(raw: RawConfig): Pick<CollectSettings, "endpoint" | "objectEndpoint"> {
  const s3 = (raw.listing_endpoint ?? raw.endpoint)?.replace(/\/+$/, "");
  const objects =
    raw.object_endpoint ??
    (s3 ? `${s3}/${encodeURIComponent(raw.bucket ?? REAL_ARCHIVE.bucket)}` : undefined);
  return { ...(s3 ? { endpoint: s3 } : {}), ...(objects ? { objectEndpoint: objects } : {}) };
}
