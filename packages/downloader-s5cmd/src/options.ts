// Options of the s5cmd downloader and the defaults that fill in settings a caller left out.
import {
  ADAPTIVE_MAX,
  type DownloaderSettings,
  formatZodIssues,
  LakehouseError,
  REAL_ARCHIVE,
} from "@crypto-lakehouse/core";
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

const shape = z.object({
  /** One `s5cmd run` per batch (true, the default) or one `s5cmd cp` per file; config: `enable_batch_mode`. */
  batchMode: z.boolean().optional(),
  /** Global s5cmd flags put before the command, e.g. ["--log", "error"]; config: `s5cmd_extra_args`. */
  extraArgs: z.array(z.string()).optional(),
  /** Path of the s5cmd binary; default: S5CMD_PATH, else `s5cmd` on PATH. */
  binary: z.string().min(1).optional(),
  /** Full-jitter backoff between retry rounds: random(0, min(backoffMaxMs, backoffBaseMs * 2^(n-1))). */
  backoffBaseMs: z.number().int().min(0).default(250),
  backoffMaxMs: z.number().int().min(0).default(20_000),
  /** How often the staging folder is measured for live progress and the no-progress timeout. */
  progressIntervalMs: z.number().int().min(10).max(10_000).default(500),
});

/** The specification's top-level keys for s5cmd, which the config hands over under these names. */
export const S5CMD_CONFIG_KEYS = ["enable_batch_mode", "s5cmd_extra_args"] as const;
const ALIASES: Record<string, string> = { enable_batch_mode: "batchMode", s5cmd_extra_args: "extraArgs" };

/** Options: its own names, or the specification's spellings (`enable_batch_mode`, `s5cmd_extra_args`). */
export const s5cmdDownloaderOptionsSchema = z.preprocess((v) => {
  if (!v || typeof v !== "object" || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [ALIASES[k] ?? k, x]));
}, shape) as unknown as z.ZodType<z.output<typeof shape>, z.input<typeof shape>>;

export type S5cmdDownloaderOptions = z.input<typeof shape>;
export type ResolvedS5cmdOptions = z.output<typeof shape>;

/** The shared settings plus s5cmd's own two (from its options, or given directly). */
export interface S5cmdSettings extends DownloaderSettings {
  /** The specification's `s5cmd_extra_args`. */
  extraArgs: readonly string[];
  batchMode: boolean;
}

/** Settings with every default filled in. `endpoint` stays undefined for the real archive (s5cmd's own default). */
export type ResolvedS5cmdSettings = S5cmdSettings & { adaptiveConcurrency: boolean };

export const DEFAULT_SETTINGS = {
  timeoutSeconds: 60,
  retries: 3,
  partSizeMb: 50,
  batchMode: true,
} as const;

export function resolveOptions(options: S5cmdDownloaderOptions | undefined): ResolvedS5cmdOptions {
  const parsed = s5cmdDownloaderOptionsSchema.safeParse(options ?? {}, { reportInput: true });
  if (!parsed.success) {
    const details = formatZodIssues(parsed.error.issues, "downloader.options", s5cmdDownloaderOptionsSchema);
    throw new LakehouseError(
      "CONFIG_INVALID",
      `invalid options for the s5cmd downloader: ${details.join("; ")}`,
      { details },
    );
  }
  return parsed.data;
}

export function resolveSettings(settings: Partial<S5cmdSettings> | undefined): ResolvedS5cmdSettings {
  const s = settings ?? {};
  const out: ResolvedS5cmdSettings = {
    region: s.region || REAL_ARCHIVE.region,
    bucket: s.bucket || REAL_ARCHIVE.bucket,
    // No limit given: adapt, up to the adaptive maximum (also each process's --numworkers).
    concurrency: s.concurrency ?? ADAPTIVE_MAX,
    adaptiveConcurrency: s.adaptiveConcurrency ?? s.concurrency === undefined,
    timeoutSeconds: s.timeoutSeconds ?? DEFAULT_SETTINGS.timeoutSeconds,
    retries: s.retries ?? DEFAULT_SETTINGS.retries,
    partSizeMb: s.partSizeMb || DEFAULT_SETTINGS.partSizeMb,
    extraArgs: [...(s.extraArgs ?? [])],
    batchMode: s.batchMode ?? DEFAULT_SETTINGS.batchMode,
  };
  if (s.endpoint) out.endpoint = s.endpoint.replace(/\/+$/, "");
  const problems: string[] = [];
  if (!Number.isInteger(out.concurrency) || out.concurrency < 1)
    problems.push("concurrency (max_parallel_downloads): must be an integer ≥ 1");
  if (!(out.timeoutSeconds > 0)) problems.push("timeoutSeconds (timeout_seconds): must be > 0");
  if (!Number.isInteger(out.retries) || out.retries < 0) problems.push("retries: must be an integer ≥ 0");
  if (!Number.isInteger(out.partSizeMb) || out.partSizeMb < 1)
    problems.push("partSizeMb (part_size_mb): must be an integer ≥ 1");
  if (out.endpoint !== undefined && !/^https?:\/\/[^/]/.test(out.endpoint))
    problems.push(`endpoint: "${out.endpoint}" is not an http(s) URL`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(out.bucket))
    problems.push(`bucket: "${out.bucket}" is not a valid bucket name`);
  for (const arg of out.extraArgs) {
    // Only global flags can go before `run`; a command or file name there would change what s5cmd does.
    if (!arg.startsWith("-")) {
      const prev = out.extraArgs[out.extraArgs.indexOf(arg) - 1];
      if (prev === undefined || !prev.startsWith("-") || prev.includes("=")) {
        problems.push(
          `s5cmd_extra_args: "${arg}" is not a flag; give global s5cmd flags only, e.g. ["--log", "error"] or ["--retry-count=5"]`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `invalid settings for the s5cmd downloader: ${problems.join("; ")}`,
      { details: problems },
    );
  }
  return out;
}

/** True when `extraArgs` already sets `flag` (as `--flag`, `--flag=v` or `-flag`). */
export function hasFlag(extraArgs: readonly string[], ...names: string[]): boolean {
  return extraArgs.some((a) =>
    names.some((n) => {
      const bare = n.replace(/^-+/, "");
      return a === `-${bare}` || a === `--${bare}` || a.startsWith(`-${bare}=`) || a.startsWith(`--${bare}=`);
    }),
  );
}
