// The selection flags shared by plan / collect / symbols, and how they override a config file. Light to import
// (commander only): every command registers its flags at start-up, `--help` and `--version` included.
import { dirname, resolve } from "node:path";
import type { RawConfig } from "@crypto-lakehouse/core";
import { type Command, Option } from "commander";

export interface SelectionFlags {
  config?: string;
  market?: string[];
  symbols?: string;
  dataTypes?: string;
  intervals?: string;
  start?: string;
  end?: string;
  partitions?: string;
  matrix?: string;
  plugin?: string[];
}

export interface RunFlags extends SelectionFlags {
  output?: string;
  endpoint?: string;
  listingEndpoint?: string;
  objectEndpoint?: string;
  region?: string;
  bucket?: string;
  downloader?: string;
  concurrency?: string;
  batchSize?: string;
  timeout?: string;
  retries?: string;
  resume?: boolean;
  force?: boolean;
  refreshChanged?: boolean;
  checksum?: boolean;
  zipTest?: string;
  queue?: string;
  executor?: string;
}

/** A comma-separated list flag's items, trimmed, empty ones dropped (undefined when the flag is absent). */
export function splitList(v: string | undefined): string[] | undefined {
  return v
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Commander's argument parser for a repeatable flag: each use adds its value. */
export const repeatable = (v: string, prev: string[] = []): string[] => [...prev, v];

const collectList = (v: string, prev: string[] = []) => [...prev, ...(splitList(v) ?? [])];

/** `-o/--output` and `-c/--config`: the flags of a command that only needs to find the lakehouse. */
export function addLakeFlags(
  cmd: Command,
  configHelp = "JSON config file (for output_directory / storage)",
): Command {
  return cmd
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("-c, --config <file>", configHelp);
}

export function addSelectionFlags(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "JSON config file (the specification's format); flags override it")
    .option(
      "-m, --market <market>",
      "market: spot, futures_um, futures_cm, options (repeatable, or comma-separated)",
      collectList,
    )
    .option("-s, --symbols <list>", "comma-separated symbols, '*' or globs like '*USDT'")
    .option("-t, --data-types <list>", "comma-separated data types (e.g. klines,trades)")
    .option("-i, --intervals <list>", "comma-separated kline intervals (e.g. 1m,1h,1d; 1M is read as 1mo)")
    .option("--start <date>", "first day, YYYY-MM-DD (omit with --end for everything up to --end)")
    .option("--end <date>", "last day, YYYY-MM-DD (default: today when --start is given)")
    .addOption(
      new Option("--partitions <mode>", "monthly files for whole months, daily for the rest (auto)").choices([
        "auto",
        "daily",
        "monthly",
        "both",
      ]),
    )
    .option("--matrix <file>", "archive matrix file extending/overriding the built-in one (matrix_path)")
    .option("--plugin <module>", "load a plugin module (repeatable)", repeatable);
}

export function addRunFlags(cmd: Command): Command {
  return addSelectionFlags(cmd)
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option(
      "--endpoint <url>",
      "S3 endpoint of the archive for listings and objects (default: the real archive); e.g. a local replica",
    )
    .option(
      "--listing-endpoint <url>",
      "S3 endpoint that lists the archive (listing_endpoint; default https://s3-ap-northeast-1.amazonaws.com)",
    )
    .option(
      "--object-endpoint <url>",
      "base URL objects are downloaded from as <url>/<key> (object_endpoint; default https://data.binance.vision)",
    )
    .option("--region <region>", "archive region (default ap-northeast-1)")
    .option("--bucket <bucket>", "archive bucket (default data.binance.vision)")
    .option("-d, --downloader <id>", "downloader: http (default; 'sdk' also works) or s5cmd")
    .option(
      "-j, --concurrency <n>",
      "most downloads in flight (max_parallel_downloads; default: adapts to the link, up to 256)",
    )
    .option("--batch-size <n>", "files per batch (batch_size)")
    .option("--timeout <seconds>", "per-request timeout (timeout_seconds)")
    .option("--retries <n>", "retries for retryable failures")
    .option("--no-resume", "re-check nothing: do not skip files already in bronze (enable_resume: false)")
    .option("--force", "re-download files even when bronze has them (force_redownload)")
    .option(
      "--refresh-changed",
      "also list the archive and re-fetch stored files whose ETag or size changed there since (refresh_changed)",
    )
    .option("--no-checksum", "do not verify SHA-256 / test-open zips (download_checksum: false)")
    .option(
      "--zip-test <depth>",
      "how deeply to test-open verified zips: structure (default) or crc (zip_test)",
    )
    .option("--queue <redis-url>", "run through a BullMQ queue on this Redis (workers: lakehouse-worker)")
    .option(
      "--executor <id>",
      "executor plugin running the batches: in-process (default), bullmq (with --queue) or a plugin's id",
    );
}

const num = (v: string | undefined) => (v === undefined ? undefined : /^-?\d+$/.test(v) ? Number(v) : v);

export interface MergedConfig {
  config: Record<string, unknown>;
  sources: Partial<Record<keyof RawConfig, string>>;
  baseDir: string;
}

/** Config file (if any) with flags on top; `sources` remembers which keys came from flags. */
export async function mergeFlags(f: RunFlags): Promise<MergedConfig> {
  const { readConfigFile } = await import("@crypto-lakehouse/runtime");
  const config: Record<string, unknown> = f.config ? readConfigFile(f.config) : {};
  const sources: Partial<Record<keyof RawConfig, string>> = {};
  const set = (key: keyof RawConfig, flag: string, value: unknown) => {
    if (value === undefined) return;
    config[key] = value;
    sources[key] = flag;
  };
  const list = splitList;
  set("markets", "--market", f.market);
  set("symbols", "--symbols", list(f.symbols));
  set("data_types", "--data-types", list(f.dataTypes));
  set("intervals", "--intervals", list(f.intervals));
  if (f.start !== undefined || f.end !== undefined) {
    const prev = (config.date_range as Record<string, unknown> | undefined) ?? {};
    const start = f.start ?? prev.start;
    const end = f.end ?? prev.end;
    set("date_range", "--start/--end", {
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
    });
  }
  set("partitions", "--partitions", f.partitions);
  set("matrix_path", "--matrix", f.matrix);
  if (f.plugin) set("plugins", "--plugin", [...((config.plugins as string[]) ?? []), ...f.plugin]);
  set("output_directory", "--output", f.output);
  if (f.output !== undefined) delete config.storage;
  set("endpoint", "--endpoint", f.endpoint);
  set("listing_endpoint", "--listing-endpoint", f.listingEndpoint);
  set("object_endpoint", "--object-endpoint", f.objectEndpoint);
  set("region", "--region", f.region);
  set("bucket", "--bucket", f.bucket);
  if (f.downloader !== undefined) {
    // As for the executor: the config's options for the same downloader stay.
    const prev = config.downloader as { kind?: unknown } | undefined;
    set("downloader", "--downloader", prev?.kind === f.downloader ? prev : f.downloader);
  }
  set("max_parallel_downloads", "--concurrency", num(f.concurrency));
  set("batch_size", "--batch-size", num(f.batchSize));
  set("timeout_seconds", "--timeout", num(f.timeout));
  set("retries", "--retries", num(f.retries));
  if (f.resume === false) set("enable_resume", "--no-resume", false);
  if (f.force) set("force_redownload", "--force", true);
  if (f.refreshChanged) set("refresh_changed", "--refresh-changed", true);
  if (f.checksum === false) set("download_checksum", "--no-checksum", false);
  if (f.zipTest !== undefined) set("zip_test", "--zip-test", f.zipTest);
  set("queue", "--queue", f.queue);
  if (f.executor !== undefined) {
    // The config's options for the same executor stay; naming another executor replaces them.
    const prev = config.executor as { kind?: unknown } | undefined;
    set("executor", "--executor", prev?.kind === f.executor ? prev : f.executor);
  }
  return { config, sources, baseDir: f.config ? dirname(resolve(f.config)) : process.cwd() };
}
