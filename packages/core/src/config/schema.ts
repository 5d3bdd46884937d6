// The configuration file format: the specification's keys verbatim (snake_case), plus this tool's own.
// Pure shape validation here; checks against the archive matrix live in `normalize.ts`.
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";
import { ZIP_TEST_MODES, type ZipTestMode } from "../model/types.js";

const stringList = z.array(z.string());
const symbolsValue = z.union([z.string(), stringList]);

export const PARTITION_MODES = ["auto", "daily", "monthly", "both"] as const;
export type PartitionMode = (typeof PARTITION_MODES)[number];

export const RawConfigSchema = z
  .object({
    workflow_type: z.literal("archive_collection").optional(),
    matrix_path: z.string().min(1).optional(),
    output_directory: z.string().min(1).optional(),
    markets: z.array(z.string()).min(1).describe("a non-empty list of markets").optional(),
    symbols: z
      .union([symbolsValue, z.record(z.string(), symbolsValue)])
      .describe("a symbol, a list of symbols, or an object of such lists by market")
      .optional(),
    data_types: z.array(z.string()).min(1).describe("a non-empty list of data types").optional(),
    intervals: z
      .union([stringList, z.record(z.string(), stringList)])
      .describe("a list of intervals, or an object of such lists by data type")
      .optional(),
    date_range: z.object({ start: z.string().optional(), end: z.string().optional() }).strict().optional(),
    partitions: z.enum(PARTITION_MODES).optional(),
    batch_size: z.number().int().min(1).max(10_000).optional(),
    max_parallel_downloads: z.number().int().min(1).max(256).optional(),
    enable_batch_mode: z.boolean().optional(),
    enable_resume: z.boolean().optional(),
    download_checksum: z.boolean().optional(),
    zip_test: z.enum(ZIP_TEST_MODES).optional(),
    timeout_seconds: z.number().int().min(1).max(86_400).optional(),
    force_redownload: z.boolean().optional(),
    refresh_changed: z.boolean().optional(),
    s5cmd_extra_args: z.array(z.string()).optional(),
    part_size_mb: z.number().int().min(5).max(5_120).optional(),
    retries: z.number().int().min(0).max(20).optional(),
    // This tool's own keys.
    // A downloader plugin by id ("http", "s5cmd", a plugin's; "sdk" is http's old name), or `{ kind: id, …options }`.
    downloader: z.union([z.string().min(1), z.object({ kind: z.string().min(1) }).loose()]).optional(),
    endpoint: z.url().optional(),
    listing_endpoint: z.url().optional(),
    object_endpoint: z.url().optional(),
    region: z.string().min(1).optional(),
    bucket: z.string().min(1).optional(),
    storage: z
      .object({ kind: z.string().min(1) })
      .loose()
      .optional(),
    // An executor plugin by id ("in-process", "bullmq", a plugin's), or `{ kind: id, …options }` like storage.
    executor: z.union([z.string().min(1), z.object({ kind: z.string().min(1) }).loose()]).optional(),
    plugins: z.array(z.string().min(1)).optional(),
    queue: z.string().optional(),
    staging_directory: z.string().min(1).optional(),
  })
  .strict();

export type RawConfig = z.infer<typeof RawConfigSchema>;

/** Defaults of the specification's optional parameters (and of this tool's). */
export const CONFIG_DEFAULTS = {
  output_directory: "output",
  markets: ["spot"],
  batch_size: 100,
  enable_batch_mode: true,
  enable_resume: true,
  download_checksum: true,
  zip_test: "structure" as ZipTestMode,
  timeout_seconds: 300,
  force_redownload: false,
  refresh_changed: false,
  s5cmd_extra_args: [] as string[],
  part_size_mb: 50,
  retries: 3,
  partitions: "auto" as PartitionMode,
  downloader: "http",
} as const;
