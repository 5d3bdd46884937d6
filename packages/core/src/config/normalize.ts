// Checks a parsed config against the archive matrix and turns it into a CollectionRequest + settings.
// Every problem is collected and reported at once, each naming the config path, the bad value and what is allowed.

import { REAL_ARCHIVE } from "../contracts/downloader.js";
import { LakehouseError } from "../errors.js";
import type { Catalog } from "../matrix/compose.js";
import type { ZipTestMode } from "../model/types.js";
import { addDays, isRealDate, toDayNumber, todayUtc } from "./dates.js";
import { formatZodIssues } from "./issues.js";
import { CONFIG_DEFAULTS, type PartitionMode, type RawConfig, RawConfigSchema } from "./schema.js";

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
  concurrency: number;
  batchMode: boolean;
  resume: boolean;
  verify: boolean;
  /** How deeply a verified zip is test-opened (zip_test). */
  zipTest: ZipTestMode;
  forceRedownload: boolean;
  timeoutSeconds: number;
  retries: number;
  extraArgs: string[];
  partSizeMb: number;
  downloader: string;
  endpoint?: string;
  region: string;
  bucket: string;
  storage?: { kind: string } & Record<string, unknown>;
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

const GLOB = /[*?]/;
const SYMBOL_CHARS = /^[A-Z0-9_]+$/;
const GLOB_CHARS = /^[A-Z0-9_*?]+$/;

/** Interval spellings users write that the archive spells otherwise. */
export function canonicalInterval(i: string): string {
  return i === "1M" ? "1mo" : i;
}

function list(values: readonly string[]): string {
  return values.length ? values.join(", ") : "(none)";
}

export function normalizeConfig(
  input: unknown,
  catalog: Catalog,
  opts: NormalizeOptions = {},
): ResolvedConfig {
  const parsed = RawConfigSchema.safeParse(input);
  const label = (key: string) => opts.sources?.[key as keyof RawConfig] ?? key;
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const [head, ...rest] = i.path;
      const shown = formatZodIssues([{ ...i, path: rest }], label(String(head ?? "")))[0]!;
      return i.code === "unrecognized_keys"
        ? `${shown.replace(/^\(config\): /, "")} (allowed keys: ${Object.keys(RawConfigSchema.shape).join(", ")})`
        : shown;
    });
    throw invalid(lines);
  }
  const raw = parsed.data;
  const problems: string[] = [];
  const notes: PlanNote[] = [];
  const today = opts.today ?? todayUtc();

  // Markets.
  const known = [...catalog.markets.keys()];
  const markets: string[] = [];
  (raw.markets ?? [...CONFIG_DEFAULTS.markets]).forEach((m, i) => {
    if (catalog.markets.has(m)) {
      if (!markets.includes(m)) markets.push(m);
    } else problems.push(`${label("markets")}[${i}]: '${m}' is not a valid market (valid: ${list(known)})`);
  });

  // Data types: each must exist in at least one selected market; skipped (with a note) where it does not.
  const dataTypes = raw.data_types ?? [];
  if (!raw.data_types) problems.push(`${label("data_types")}: required — list the data types to collect`);
  const perMarketTypes = new Map<string, string[]>(markets.map((m) => [m, []]));
  dataTypes.forEach((dt, i) => {
    const owners = markets.filter((m) => catalog.market(m).matrix.dataTypes[dt]);
    const elsewhere = [...catalog.markets.keys()].filter((m) => catalog.market(m).matrix.dataTypes[dt]);
    if (owners.length === 0 && elsewhere.length > 0) {
      // A real archive type, just not in the selected markets (the specification's spot bookDepth): skip it.
      notes.push({
        level: "warn",
        dataType: dt,
        message: `${dt} is not published for ${markets.join(", ")} (only for ${elsewhere.join(", ")}); skipped`,
      });
      return;
    }
    if (owners.length === 0 && markets.length > 0) {
      const valid = [
        ...new Set(markets.flatMap((m) => Object.keys(catalog.market(m).matrix.dataTypes))),
      ].sort();
      problems.push(
        `${label("data_types")}[${i}]: '${dt}' is not a valid data type (valid for ${markets.join(", ")}: ${list(valid)})`,
      );
      return;
    }
    for (const m of markets) {
      if (owners.includes(m)) {
        const types = perMarketTypes.get(m)!;
        if (!types.includes(dt)) types.push(dt);
      } else
        notes.push({
          level: "info",
          market: m,
          dataType: dt,
          message: `${m} does not publish ${dt}; skipped there`,
        });
    }
  });

  // Intervals: per data type (object) or for every kline-class type (array / CLI flag).
  const intervalsFor = (dt: string): { values: string[]; path: string } | undefined => {
    if (!raw.intervals) return undefined;
    if (Array.isArray(raw.intervals)) return { values: raw.intervals, path: label("intervals") };
    const v = raw.intervals[dt];
    return v ? { values: v, path: `${label("intervals")}.${dt}` } : undefined;
  };
  if (raw.intervals && !Array.isArray(raw.intervals)) {
    for (const dt of Object.keys(raw.intervals)) {
      const specs = markets.map((m) => catalog.market(m).matrix.dataTypes[dt]).filter((s) => s !== undefined);
      if (!dataTypes.includes(dt)) {
        notes.push({
          level: "info",
          dataType: dt,
          message: `intervals given for ${dt}, which is not requested; ignored`,
        });
      } else if (specs.length > 0 && specs.every((s) => s.keyShape !== "interval")) {
        notes.push({
          level: "info",
          dataType: dt,
          message: `${dt} has no intervals in the archive; intervals for it ignored`,
        });
      }
    }
  }

  const selections: MarketSelection[] = [];
  for (const m of markets) {
    const market = catalog.market(m);
    const sel: MarketSelection = { market: m, dataTypes: [], symbols: [], patterns: [] };
    for (const dt of perMarketTypes.get(m) ?? []) {
      const spec = market.matrix.dataTypes[dt]!;
      if (spec.keyShape !== "interval") {
        sel.dataTypes.push({ dataType: dt });
        continue;
      }
      const available = [...new Set([...(spec.intervals?.daily ?? []), ...(spec.intervals?.monthly ?? [])])];
      const asked = intervalsFor(dt);
      if (!asked) {
        sel.dataTypes.push({ dataType: dt, intervals: available });
        notes.push({
          level: "info",
          market: m,
          dataType: dt,
          message: `no intervals given for ${dt}; using all: ${available.join(" ")}`,
        });
        continue;
      }
      const chosen: string[] = [];
      asked.values.forEach((iv, i) => {
        const c = canonicalInterval(iv);
        if (available.includes(c)) {
          if (!chosen.includes(c)) chosen.push(c);
          return;
        }
        const anywhere = markets.some((mm) => {
          const s = catalog.market(mm).matrix.dataTypes[dt];
          return s?.intervals && [...(s.intervals.daily ?? []), ...(s.intervals.monthly ?? [])].includes(c);
        });
        if (anywhere)
          notes.push({
            level: "info",
            market: m,
            dataType: dt,
            message: `${m} ${dt} has no ${c} interval; skipped there`,
          });
        else
          problems.push(
            `${asked.path}[${i}]: '${iv}' is not a valid interval for ${dt} (valid: ${list(available)})`,
          );
      });
      if (chosen.length) sel.dataTypes.push({ dataType: dt, intervals: chosen });
    }
    selections.push(sel);
  }

  // Symbols: a flat list for every market, or one list per market; '*' and globs are resolved by listing.
  const symbolsFor = (m: string): { values: string[]; path: string } | undefined => {
    const s = raw.symbols;
    if (s === undefined) return undefined;
    if (typeof s === "string") return { values: [s], path: label("symbols") };
    if (Array.isArray(s)) return { values: s, path: label("symbols") };
    const v = s[m];
    if (v === undefined) return undefined;
    return { values: typeof v === "string" ? [v] : v, path: `${label("symbols")}.${m}` };
  };
  if (raw.symbols && typeof raw.symbols === "object" && !Array.isArray(raw.symbols)) {
    for (const k of Object.keys(raw.symbols)) {
      if (!markets.includes(k) && markets.length > 0) {
        notes.push({
          level: "info",
          market: k,
          message: `symbols given for ${k}, which is not a selected market; ignored`,
        });
      }
    }
  }
  for (const sel of selections) {
    const market = catalog.market(sel.market);
    const given = symbolsFor(sel.market);
    if (!given || given.values.length === 0) {
      problems.push(
        `${raw.symbols && !Array.isArray(raw.symbols) && typeof raw.symbols === "object" ? `${label("symbols")}.${sel.market}` : label("symbols")}: no symbols for market '${sel.market}' — list symbols (e.g. BTCUSDT) or "*" for all`,
      );
      continue;
    }
    given.values.forEach((s, i) => {
      const where = `${given.path}[${i}]`;
      if (GLOB.test(s)) {
        if (!GLOB_CHARS.test(s))
          problems.push(`${where}: '${s}' is not a valid symbol pattern (allowed: A-Z, 0-9, _, * and ?)`);
        else if (!sel.patterns.includes(s)) sel.patterns.push(s);
        return;
      }
      if (!SYMBOL_CHARS.test(s)) {
        const upper = s.toUpperCase();
        const hint = upper !== s && SYMBOL_CHARS.test(upper) ? ` — symbols are upper case: '${upper}'` : "";
        problems.push(`${where}: '${s}' is not a valid symbol (allowed: upper-case A-Z, 0-9 and _)${hint}`);
        return;
      }
      const types = sel.dataTypes.map((d) => d.dataType);
      const ok = types.length === 0 || types.some((dt) => market.resolveSymbol(dt, s) !== undefined);
      if (!ok) {
        problems.push(
          `${where}: '${s}' is not a valid ${sel.market} symbol (pattern ${market.matrix.symbolPattern})`,
        );
        return;
      }
      if (!sel.symbols.includes(s)) sel.symbols.push(s);
    });
  }

  // Dates.
  let start: string | undefined;
  let end: string = today;
  const dr = raw.date_range;
  const startPath = opts.sources?.date_range ? "--start" : "date_range.start";
  const endPath = opts.sources?.date_range ? "--end" : "date_range.end";
  if (!dr) {
    start = addDays(today, -1);
    end = start;
  } else {
    if (dr.start !== undefined) {
      if (isRealDate(dr.start)) start = dr.start;
      else problems.push(`${startPath}: '${dr.start}' is not a real date (expected YYYY-MM-DD)`);
    }
    if (dr.end !== undefined) {
      if (isRealDate(dr.end)) end = dr.end;
      else problems.push(`${endPath}: '${dr.end}' is not a real date (expected YYYY-MM-DD)`);
    }
    if (start && isRealDate(end) && toDayNumber(end) < toDayNumber(start)) {
      problems.push(
        `${endPath}: '${end}' is before ${startPath} '${start}' (the end must be on or after the start)`,
      );
    }
  }

  if (
    problems.length === 0 &&
    dataTypes.length > 0 &&
    selections.every((sel) => sel.dataTypes.length === 0)
  ) {
    problems.push(
      `${label("data_types")}: none of ${dataTypes.join(", ")} is published for ${markets.join(", ")} — nothing to collect`,
    );
  }
  if (problems.length) throw invalid(problems);

  const settings: CollectSettings = {
    output: raw.output_directory ?? CONFIG_DEFAULTS.output_directory,
    batchSize: raw.batch_size ?? CONFIG_DEFAULTS.batch_size,
    concurrency: raw.max_parallel_downloads ?? CONFIG_DEFAULTS.max_parallel_downloads,
    batchMode: raw.enable_batch_mode ?? CONFIG_DEFAULTS.enable_batch_mode,
    resume: raw.enable_resume ?? CONFIG_DEFAULTS.enable_resume,
    verify: raw.download_checksum ?? CONFIG_DEFAULTS.download_checksum,
    zipTest: raw.zip_test ?? CONFIG_DEFAULTS.zip_test,
    forceRedownload: raw.force_redownload ?? CONFIG_DEFAULTS.force_redownload,
    timeoutSeconds: raw.timeout_seconds ?? CONFIG_DEFAULTS.timeout_seconds,
    retries: raw.retries ?? CONFIG_DEFAULTS.retries,
    extraArgs: raw.s5cmd_extra_args ?? [...CONFIG_DEFAULTS.s5cmd_extra_args],
    partSizeMb: raw.part_size_mb ?? CONFIG_DEFAULTS.part_size_mb,
    downloader: raw.downloader ?? CONFIG_DEFAULTS.downloader,
    region: raw.region ?? REAL_ARCHIVE.region,
    bucket: raw.bucket ?? REAL_ARCHIVE.bucket,
    plugins: raw.plugins ?? [],
    ...(raw.matrix_path ? { matrixPath: raw.matrix_path } : {}),
    ...(raw.endpoint ? { endpoint: raw.endpoint } : {}),
    ...(raw.storage ? { storage: raw.storage as CollectSettings["storage"] } : {}),
    ...(raw.queue ? { queue: raw.queue } : {}),
    ...(raw.staging_directory ? { stagingDir: raw.staging_directory } : {}),
  };
  return {
    request: {
      markets: selections,
      ...(start ? { start } : {}),
      end,
      partitions: raw.partitions ?? CONFIG_DEFAULTS.partitions,
      notes,
    },
    settings,
  };
}

function invalid(lines: string[]): LakehouseError {
  const head =
    lines.length === 1
      ? `Invalid configuration: ${lines[0]}`
      : `Invalid configuration (${lines.length} problems):`;
  return new LakehouseError("CONFIG_INVALID", head, { details: lines.length === 1 ? [] : lines });
}
