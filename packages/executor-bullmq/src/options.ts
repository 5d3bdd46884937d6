// Where the queue lives and how jobs behave: parsed from the executor options and from `?key=value` on the Redis URL.
import { formatZodIssues, LakehouseError, redactUrl } from "@crypto-lakehouse/core";
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

/** Masks the password (and credential-like query parameters): now core's, kept here for importers. */
export { redactUrl };

const name = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-' only (Redis keys are built from it)");

export const bullmqOptionsSchema = z
  .object({
    /** `redis://[user:pass@]host:port[/db]` (or `rediss://`); query parameters may set the options below. */
    url: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://"),
    /** BullMQ queue name: submitters and workers must agree on it. */
    queue: name.default("collect"),
    /** Prefix of every Redis key the queue uses. */
    prefix: name.default("lakehouse"),
    /** Tries per batch (first run included) before its files are reported `failed`. */
    attempts: z.number().int().min(1).max(100).default(3),
    /** First retry delay; doubles on each further attempt. */
    backoffMs: z.number().int().min(0).default(5_000),
    /** How long finished jobs (and their results) are kept for re-submission and `lakehouse runs`. */
    keepSeconds: z
      .number()
      .int()
      .min(1)
      .default(7 * 24 * 3600),
    /** Batches this submitter keeps queued at once; bounds Redis memory for huge plans. */
    maxQueuedBatches: z.number().int().min(1).default(256),
    /** How often the submitter reconciles job states and checks for cancellation. */
    pollMs: z.number().int().min(20).default(1_000),
  })
  .strict();

export type BullmqOptions = z.input<typeof bullmqOptionsSchema>;

/**
 * What the plugin registry validates: the URL only. Defaults are applied later by `resolveOptions`, so that
 * options given on the URL (`?attempts=5`) are not overridden by defaults filled in too early.
 */
export const bullmqPluginSchema = z
  .object({ url: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://") })
  .catchall(z.unknown()) as unknown as z.ZodType<BullmqOptions>;
export type ResolvedBullmqOptions = z.output<typeof bullmqOptionsSchema>;

/** Options that may ride on the URL (`redis://h:6379?queue=nightly&attempts=5`). */
const URL_PARAMS = [
  "queue",
  "prefix",
  "attempts",
  "backoffMs",
  "keepSeconds",
  "maxQueuedBatches",
  "pollMs",
] as const;

/** The connection URL without our query parameters (ioredis reads query parameters as its own options). */
export function splitUrl(url: string): { url: string; params: Record<string, string | number> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `queue: '${redactUrl(url)}' is not a URL; expected redis://HOST:PORT`,
    );
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `queue: '${redactUrl(url)}' is not a Redis URL; expected redis://HOST:PORT (or rediss://)`,
    );
  }
  const params: Record<string, string | number> = {};
  for (const k of URL_PARAMS) {
    const v = u.searchParams.get(k);
    if (v === null) continue;
    params[k] = k === "queue" || k === "prefix" ? v : /^\d+$/.test(v) ? Number(v) : v;
    u.searchParams.delete(k);
  }
  return { url: u.toString().replace(/\?$/, ""), params };
}

export function resolveOptions(input: BullmqOptions | string): ResolvedBullmqOptions {
  const raw = typeof input === "string" ? { url: input } : input;
  const { url, params } = splitUrl(String(raw.url ?? ""));
  const r = bullmqOptionsSchema.safeParse({ ...params, ...raw, url }, { reportInput: true });
  if (!r.success) {
    throw new LakehouseError("CONFIG_INVALID", "Invalid options for the bullmq executor", {
      details: formatZodIssues(r.error.issues, "queue", bullmqOptionsSchema),
    });
  }
  return r.data;
}
