// Checks a parsed config against the archive matrix and turns it into a CollectionRequest + settings.
// Every problem is collected and reported at once, each naming the config path, the bad value and what is allowed.

import type { Catalog } from "../matrix/compose.js";
import type { ZipTestMode } from "../model/types.js";
import { todayUtc } from "./dates.js";
import { invalidConfig, type Path, type Problem, parseParts, pathNamer } from "./problems.js";
import { CONFIG_DEFAULTS, type PartitionMode, type RawConfig } from "./schema.js";
import {
  checkArchiveDates,
  checkBucketAndRegion,
  dataTypeAliaser,
  noteUnusedIntervals,
  type SelectContext,
  selectDataTypes,
  selectDates,
  selectIntervals,
  selectMarkets,
  selectSymbols,
} from "./select.js";
import { settingsOf } from "./settings.js";

export { canonicalInterval } from "./select.js";

export interface DataTypeSelection {
  dataType: string;
  /** Only for kline-class types: the intervals asked for (archive spelling). */
  intervals?: string[];
}

export interface MarketSelection {
  market: string;
  dataTypes: DataTypeSelection[];
  /** Exact symbols, as the user wrote them (aliases are resolved per data type by the planner). */
  symbols: string[];
  /** Glob patterns (`*`, `BTC*`, `*USDT`) resolved by listing the archive. */
  patterns: string[];
}

export interface PlanNote {
  level: "info" | "warn";
  market?: string;
  dataType?: string;
  message: string;
}

export interface CollectionRequest {
  markets: MarketSelection[];
  /** Inclusive `YYYY-MM-DD`; undefined = from the earliest file (found by listing). */
  start?: string;
  /** Inclusive `YYYY-MM-DD`. */
  end: string;
  partitions: PartitionMode;
  notes: PlanNote[];
}

export interface CollectSettings {
  output: string;
  matrixPath?: string;
  batchSize: number;
  /** Transfers in flight: the user's max_parallel_downloads (a cap), else the adaptive maximum. */
  concurrency: number;
  /** The user set no max_parallel_downloads: the downloader adapts its concurrency (up to `concurrency`). */
  adaptiveConcurrency: boolean;
  resume: boolean;
  verify: boolean;
  /** How deeply a verified zip is test-opened (zip_test). */
  zipTest: ZipTestMode;
  forceRedownload: boolean;
  /** refresh_changed: re-fetch stored files whose archive ETag or size has changed since (lists the archive). */
  refreshChanged: boolean;
  timeoutSeconds: number;
  retries: number;
  partSizeMb: number;
  /** The downloader's id (`downloader: "id"`, or `{ kind: id, … }`). */
  downloader: string;
  /**
   * Its options as configured: `downloader: { kind, …options }` plus the specification's downloader keys
   * (`enable_batch_mode`, `s5cmd_extra_args`) under their config names; the downloader's schema reads them.
   */
  downloaderOptions: Record<string, unknown>;
  /** The S3 endpoint for listings (`listing_endpoint`, else `endpoint`). */
  endpoint?: string;
  /** Base URL of objects (`object_endpoint`, else `<endpoint>/<bucket>` when `endpoint` is set). */
  objectEndpoint?: string;
  region: string;
  bucket: string;
  storage?: { kind: string } & Record<string, unknown>;
  /** `executor` in config (a bare id becomes `{ kind: id }`); absent = in-process, or bullmq with `queue`. */
  executor?: { kind: string } & Record<string, unknown>;
  plugins: string[];
  queue?: string;
  stagingDir?: string;
}

export interface ResolvedConfig {
  request: CollectionRequest;
  settings: CollectSettings;
}

export interface NormalizeOptions {
  /** "today" in UTC; injectable for tests. */
  today?: string;
  /** Where a key's value came from when it was a CLI flag, e.g. `{ data_types: "--data-types" }`. */
  sources?: Partial<Record<keyof RawConfig, string>>;
}

/** Checks a whole config (selection and settings) and resolves it; every problem is reported at once. */
export function normalizeConfig(
  input: unknown,
  catalog: Catalog,
  opts: NormalizeOptions = {},
): ResolvedConfig {
  const where = pathNamer(opts.sources);
  const problems: Problem[] = [];
  const { raw, bad } = parseParts(input, problems);
  if (!raw) throw invalidConfig(problems, input, where);
  const c: SelectContext = {
    raw,
    bad,
    catalog,
    notes: [],
    problem: (path: Path, message: string) => problems.push({ path, message }),
  };
  const aliasOf = dataTypeAliaser(catalog);
  const markets = selectMarkets(c);
  const { dataTypes, perMarket } = selectDataTypes(c, markets, aliasOf);
  noteUnusedIntervals(c, markets, dataTypes, aliasOf);
  const selections = markets.map((m) => selectIntervals(c, m, markets, perMarket.get(m) ?? [], aliasOf));
  selectSymbols(c, markets, selections);
  const startPath = where(["date_range", "start"]);
  const dates = selectDates(c, opts.today ?? todayUtc(), startPath);
  checkArchiveDates(dates.start, dates.end, selections, catalog, {
    problem: c.problem,
    notes: c.notes,
    startPath,
  });
  checkBucketAndRegion(raw, c.problem);
  if (problems.length === 0 && dataTypes.length > 0 && selections.every((s) => s.dataTypes.length === 0)) {
    c.problem(
      ["data_types"],
      `none of ${dataTypes.join(", ")} is published for ${markets.join(", ")} — nothing to collect`,
    );
  }
  if (problems.length) throw invalidConfig(problems, input, where);
  return {
    request: {
      markets: selections,
      ...dates,
      partitions: raw.partitions ?? CONFIG_DEFAULTS.partitions,
      notes: c.notes,
    },
    settings: settingsOf(raw),
  };
}

/**
 * Checks the config's shape and resolves its settings only, for commands that work on the lakehouse without a
 * selection (runs, silver, sql, gold, verify of everything); selection keys are shape-checked, not planned.
 */
export function normalizeSettings(
  input: unknown,
  opts: Pick<NormalizeOptions, "sources"> = {},
): CollectSettings {
  const problems: Problem[] = [];
  const { raw } = parseParts(input, problems);
  // The archive's bucket and region matter without a selection too (symbols, coverage, sync list the archive).
  if (raw) checkBucketAndRegion(raw, (path, message) => problems.push({ path, message }));
  if (!raw || problems.length) throw invalidConfig(problems, input, pathNamer(opts.sources));
  return settingsOf(raw);
}
