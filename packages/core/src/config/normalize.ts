// Checks a parsed config against the archive matrix and turns it into a CollectionRequest + settings.
// Every problem is collected and reported at once, each naming the config path, the bad value and what is allowed.

import { REAL_ARCHIVE } from "../contracts/downloader.js";
import { LakehouseError } from "../errors.js";
import type { Catalog } from "../matrix/compose.js";
import type { ZipTestMode } from "../model/types.js";
import { ADAPTIVE_MAX } from "../transfer/adaptive-limit.js";
import { addDays, isRealDate, toDayNumber, todayUtc } from "./dates.js";
import { explainZodIssue, formatIssuePath, showValue } from "./issues.js";
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
  /** Transfers in flight: the user's max_parallel_downloads (a cap), else the adaptive maximum. */
  concurrency: number;
  /** The user set no max_parallel_downloads: the downloader adapts its concurrency (up to `concurrency`). */
  adaptiveConcurrency: boolean;
  batchMode: boolean;
  resume: boolean;
  verify: boolean;
  /** How deeply a verified zip is test-opened (zip_test). */
  zipTest: ZipTestMode;
  forceRedownload: boolean;
  /** refresh_changed: re-fetch stored files whose archive ETag or size has changed since (lists the archive). */
  refreshChanged: boolean;
  timeoutSeconds: number;
  retries: number;
  extraArgs: string[];
  partSizeMb: number;
  downloader: string;
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

const GLOB = /[*?]/;
const SYMBOL_CHARS = /^[A-Z0-9_]+$/;
const GLOB_CHARS = /^[A-Z0-9_*?]+$/;

/** Interval spellings users write that the archive spells otherwise. */
export function canonicalInterval(i: string): string {
  return i === "1M" ? "1mo" : i;
}

/** Data-type names from the specification that the archive spells otherwise (docs/archive.md §7). */
const DATA_TYPE_ALIASES: Readonly<Record<string, string>> = { premiumIndex: "premiumIndexKlines" };

function list(values: readonly string[]): string {
  return values.length ? values.join(", ") : "(none)";
}

type Path = readonly PropertyKey[];

/** One problem with the config: its path (from the config's root) and what is wrong there. */
interface Problem {
  path: Path;
  message: string;
}

/**
 * Shape-checks the config. Where that fails, every top-level key whose own value passes is kept, so the
 * archive checks still run on it and all problems are reported together; `bad` holds the keys that failed.
 * `raw` is undefined when the config is not an object at all.
 */
function parseParts(input: unknown, problems: Problem[]): { raw?: RawConfig; bad: Set<string> } {
  const parsed = RawConfigSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return { raw: parsed.data, bad: new Set() };
  for (const issue of parsed.error.issues) problems.push(...explainZodIssue(issue, RawConfigSchema));
  if (!input || typeof input !== "object" || Array.isArray(input)) return { bad: new Set() };
  const raw: Record<string, unknown> = {};
  const bad = new Set<string>();
  for (const [key, schema] of Object.entries(RawConfigSchema.shape)) {
    if (!Object.hasOwn(input, key)) continue;
    const one = schema.safeParse((input as Record<string, unknown>)[key]);
    if (one.success) raw[key] = one.data;
    else bad.add(key);
  }
  return { raw: raw as RawConfig, bad };
}

const KEY_ORDER = Object.keys(RawConfigSchema.shape);

/** Sort key of a path: top-level keys in the schema's order (unknown ones after), list items by index, other keys as written. */
function sortKey(path: Path, input: unknown): [number, string][] {
  let node: unknown = input;
  return path.map((seg, level) => {
    const here = node;
    node = here && typeof here === "object" ? (here as Record<PropertyKey, unknown>)[seg] : undefined;
    if (typeof seg === "number") return [seg, ""];
    const name = String(seg);
    const known = level === 0 ? KEY_ORDER.indexOf(name) : -1;
    if (known >= 0) return [known, name];
    const written =
      here && typeof here === "object" && !Array.isArray(here) ? Object.keys(here).indexOf(name) : -1;
    return [(level === 0 ? KEY_ORDER.length : 0) + (written >= 0 ? written : Number.MAX_SAFE_INTEGER), name];
  });
}

function compareKeys(a: [number, string][], b: [number, string][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x[0] !== y[0]) return x[0] - y[0];
    if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  }
  return a.length - b.length;
}

/** Every problem once, as "path: message", in config-path order (a stable order, whatever found it). */
function report(problems: readonly Problem[], input: unknown, where: (path: Path) => string): string[] {
  const keyed = problems.map((p) => ({
    key: sortKey(p.path, input),
    line: `${where(p.path)}: ${p.message}`,
  }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return [...new Set(keyed.map((k) => k.line))];
}

export function normalizeConfig(
  input: unknown,
  catalog: Catalog,
  opts: NormalizeOptions = {},
): ResolvedConfig {
  const label = (key: string) => opts.sources?.[key as keyof RawConfig] ?? key;
  /** A path as the user wrote it: keys given as flags are named as flags (`--market[0]`, `--start`). */
  const where = (path: Path): string => {
    const [head, ...rest] = path;
    const flag = head === undefined ? undefined : opts.sources?.[String(head) as keyof RawConfig];
    if (!flag) return formatIssuePath(path);
    if (head === "date_range" && (rest[0] === "start" || rest[0] === "end"))
      return formatIssuePath(rest.slice(1), `--${rest[0]}`);
    return formatIssuePath(rest, flag);
  };
  // Shape problems and archive problems are collected together and reported at once.
  const problems: Problem[] = [];
  const problem = (path: Path, message: string) => problems.push({ path, message });
  const { raw, bad } = parseParts(input, problems);
  if (!raw) throw invalid(report(problems, input, where));
  const notes: PlanNote[] = [];
  const today = opts.today ?? todayUtc();

  // Markets.
  const known = [...catalog.markets.keys()];
  const markets: string[] = [];
  (bad.has("markets") ? [] : (raw.markets ?? [...CONFIG_DEFAULTS.markets])).forEach((m, i) => {
    if (catalog.markets.has(m)) {
      if (!markets.includes(m)) markets.push(m);
    } else problem(["markets", i], `${showValue(m)} is not a valid market (valid: ${list(known)})`);
  });

  // Data types: each must exist in at least one selected market; skipped (with a note) where it does not.
  const knownType = (dt: string) => Object.values(catalog.matrix.markets).some((m) => m.dataTypes[dt]);
  // An alias applies only while no market (a matrix overlay included) publishes the name itself.
  const aliasOf = (dt: string) => (DATA_TYPE_ALIASES[dt] && !knownType(dt) ? DATA_TYPE_ALIASES[dt] : dt);
  const dataTypes = (raw.data_types ?? []).map((dt) => {
    const real = aliasOf(dt);
    if (real !== dt)
      notes.push({
        level: "info",
        dataType: real,
        message: `${dt} is called ${real} in the archive; collecting ${real}`,
      });
    return real;
  });
  if (!raw.data_types && !bad.has("data_types"))
    problem(["data_types"], "required — list the data types to collect");
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
    if (owners.length === 0) {
      // With no usable market (all invalid, or markets itself bad), check against every market.
      const scope = markets.length ? markets : known;
      const valid = [
        ...new Set(scope.flatMap((m) => Object.keys(catalog.market(m).matrix.dataTypes))),
      ].sort();
      problem(
        ["data_types", i],
        `${showValue(dt)} is not a valid data type (valid for ${scope.join(", ")}: ${list(valid)})`,
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
  const intervalsFor = (dt: string): { values: string[]; path: Path } | undefined => {
    if (!raw.intervals) return undefined;
    if (Array.isArray(raw.intervals)) return { values: raw.intervals, path: ["intervals"] };
    const key = Object.keys(raw.intervals).find((k) => aliasOf(k) === dt);
    const v = key === undefined ? undefined : raw.intervals[key];
    return v && key !== undefined ? { values: v, path: ["intervals", key] } : undefined;
  };
  if (raw.intervals && !Array.isArray(raw.intervals)) {
    for (const dt of Object.keys(raw.intervals).map(aliasOf)) {
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
          problem(
            [...asked.path, i],
            `${showValue(iv)} is not a valid interval for ${dt} (valid: ${list(available)})`,
          );
      });
      if (chosen.length) sel.dataTypes.push({ dataType: dt, intervals: chosen });
    }
    selections.push(sel);
  }

  // Symbols: a flat list for every market, or one list per market; '*' and globs are resolved by listing.
  const symbols = raw.symbols;
  const perMarket = symbols !== undefined && typeof symbols === "object" && !Array.isArray(symbols);
  const symbolsFor = (m: string): { values: string[]; path: Path; single: boolean } | undefined => {
    if (symbols === undefined) return undefined;
    if (typeof symbols === "string") return { values: [symbols], path: ["symbols"], single: true };
    if (Array.isArray(symbols)) return { values: symbols, path: ["symbols"], single: false };
    const v = symbols[m];
    if (v === undefined) return undefined;
    return { values: typeof v === "string" ? [v] : v, path: ["symbols", m], single: typeof v === "string" };
  };
  /** Whether `s` is a well-formed symbol or pattern; reports it at `path` when it is neither. */
  const formOf = (s: string, path: Path): "symbol" | "pattern" | undefined => {
    if (GLOB.test(s)) {
      if (GLOB_CHARS.test(s)) return "pattern";
      problem(path, `${showValue(s)} is not a valid symbol pattern (allowed: A-Z, 0-9, _, * and ?)`);
      return undefined;
    }
    if (SYMBOL_CHARS.test(s)) return "symbol";
    const upper = s.toUpperCase();
    const hint =
      upper !== s && SYMBOL_CHARS.test(upper) ? ` — symbols are upper case: ${showValue(upper)}` : "";
    problem(path, `${showValue(s)} is not a valid symbol (allowed: upper-case A-Z, 0-9 and _)${hint}`);
    return undefined;
  };
  if (perMarket) {
    for (const k of Object.keys(symbols)) {
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
      if (!bad.has("symbols"))
        problem(
          perMarket ? ["symbols", sel.market] : ["symbols"],
          `no symbols for market ${showValue(sel.market)} — list symbols (e.g. BTCUSDT) or "*" for all`,
        );
      continue;
    }
    // A set beside the list: requests may name hundreds of thousands of symbols (planning stays linear).
    const seen = new Set(sel.symbols);
    given.values.forEach((s, i) => {
      const path = given.single ? given.path : [...given.path, i];
      const form = formOf(s, path);
      if (form === "pattern" && !sel.patterns.includes(s)) sel.patterns.push(s);
      if (form !== "symbol") return;
      const types = sel.dataTypes.map((d) => d.dataType);
      const ok = types.length === 0 || types.some((dt) => market.resolveSymbol(dt, s) !== undefined);
      if (!ok) {
        problem(
          path,
          `${showValue(s)} is not a valid ${sel.market} symbol (pattern ${market.matrix.symbolPattern})`,
        );
        return;
      }
      if (!seen.has(s)) {
        seen.add(s);
        sel.symbols.push(s);
      }
    });
  }
  if (selections.length === 0 && symbols !== undefined) {
    // No usable market to check them against: still check their form.
    for (const given of (perMarket ? Object.keys(symbols) : [""]).map(symbolsFor)) {
      given?.values.forEach((s, i) => {
        formOf(s, given.single ? given.path : [...given.path, i]);
      });
    }
  }

  // Dates.
  let start: string | undefined;
  let end: string = today;
  const dr = raw.date_range;
  const startPath = where(["date_range", "start"]);
  if (!dr) {
    start = addDays(today, -1);
    end = start;
  } else {
    if (dr.start !== undefined) {
      if (isRealDate(dr.start)) start = dr.start;
      else
        problem(["date_range", "start"], `${showValue(dr.start)} is not a real date (expected YYYY-MM-DD)`);
    }
    if (dr.end !== undefined) {
      if (isRealDate(dr.end)) end = dr.end;
      else problem(["date_range", "end"], `${showValue(dr.end)} is not a real date (expected YYYY-MM-DD)`);
    }
    if (start && isRealDate(end) && toDayNumber(end) < toDayNumber(start)) {
      problem(
        ["date_range", "end"],
        `${showValue(end)} is before ${startPath} ${showValue(start)} (the end must be on or after the start)`,
      );
    }
  }

  checkArchiveDates(start, end, selections, catalog, { problem, notes, startPath });
  checkBucketAndRegion(raw, problem);

  if (
    problems.length === 0 &&
    dataTypes.length > 0 &&
    selections.every((sel) => sel.dataTypes.length === 0)
  ) {
    problem(
      ["data_types"],
      `none of ${dataTypes.join(", ")} is published for ${markets.join(", ")} — nothing to collect`,
    );
  }
  // `queue` is shorthand for the bullmq executor: naming another one as well is contradictory.
  const executor = typeof raw.executor === "string" ? { kind: raw.executor } : raw.executor;
  if (raw.queue && executor && executor.kind !== "bullmq") {
    problem(
      ["executor"],
      `${showValue(executor.kind)} conflicts with ${label("queue")}, which runs batches through the 'bullmq' executor — drop one of them`,
    );
  }
  if (problems.length) throw invalid(report(problems, input, where));

  // The specification's examples tune s5cmd; say so when another downloader will run them.
  const downloader = raw.downloader ?? CONFIG_DEFAULTS.downloader;
  const s5cmdKeys = [
    ...(raw.enable_batch_mode !== undefined ? ["enable_batch_mode"] : []),
    ...(raw.s5cmd_extra_args?.length ? ["s5cmd_extra_args"] : []),
  ];
  if (downloader !== "s5cmd" && s5cmdKeys.length) {
    notes.push({
      level: "info",
      message: `${s5cmdKeys.map(label).join(" and ")} apply to the s5cmd downloader only; this run uses '${downloader}' (set ${label("downloader")} to s5cmd to use them)`,
    });
  }

  const settings: CollectSettings = {
    output: raw.output_directory ?? CONFIG_DEFAULTS.output_directory,
    batchSize: raw.batch_size ?? CONFIG_DEFAULTS.batch_size,
    concurrency: raw.max_parallel_downloads ?? ADAPTIVE_MAX,
    adaptiveConcurrency: raw.max_parallel_downloads === undefined,
    batchMode: raw.enable_batch_mode ?? CONFIG_DEFAULTS.enable_batch_mode,
    resume: raw.enable_resume ?? CONFIG_DEFAULTS.enable_resume,
    verify: raw.download_checksum ?? CONFIG_DEFAULTS.download_checksum,
    zipTest: raw.zip_test ?? CONFIG_DEFAULTS.zip_test,
    forceRedownload: raw.force_redownload ?? CONFIG_DEFAULTS.force_redownload,
    refreshChanged: raw.refresh_changed ?? CONFIG_DEFAULTS.refresh_changed,
    timeoutSeconds: raw.timeout_seconds ?? CONFIG_DEFAULTS.timeout_seconds,
    retries: raw.retries ?? CONFIG_DEFAULTS.retries,
    extraArgs: raw.s5cmd_extra_args ?? [...CONFIG_DEFAULTS.s5cmd_extra_args],
    partSizeMb: raw.part_size_mb ?? CONFIG_DEFAULTS.part_size_mb,
    downloader,
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

/**
 * Dates before the archive: an earlier year than the first selected market's first files is surely a typo
 * (`1025-06-01`) and refused; an earlier day of that year is clamped per market (the planner starts there), noted.
 */
function checkArchiveDates(
  start: string | undefined,
  end: string,
  selections: MarketSelection[],
  catalog: Catalog,
  ctx: { problem: (path: Path, message: string) => void; notes: PlanNote[]; startPath: string },
): void {
  const firsts = selections
    .map((s) => ({ market: s.market, first: catalog.market(s.market).matrix.firstDate }))
    .filter((f): f is { market: string; first: string } => f.first !== undefined)
    .sort((a, b) => (a.first < b.first ? -1 : 1));
  const earliest = firsts[0];
  if (!earliest) return;
  const hint = `the archive has nothing before ${earliest.first} (${earliest.market} starts then)`;
  if (start && start.slice(0, 4) < earliest.first.slice(0, 4)) {
    ctx.problem(
      ["date_range", "start"],
      `${showValue(start)} is before the archive existed: ${hint}; a typo? Give a date from ` +
        `${earliest.first} on, or leave ${ctx.startPath} out to begin at each series' first file`,
    );
    return;
  }
  if (isRealDate(end) && end < earliest.first) {
    ctx.problem(["date_range", "end"], `${showValue(end)} is before the archive existed: ${hint}`);
    return;
  }
  for (const f of firsts) {
    if (start && start < f.first) {
      ctx.notes.push({
        level: "warn",
        market: f.market,
        message: `the ${f.market} archive starts ${f.first}: ${ctx.startPath} ${start} is before it, so ${f.market} is planned from ${f.first}`,
      });
    }
  }
}

/** An S3 bucket name, as S3 allows it (3–63 characters, lower-case letters, digits, '.', '-', no '..'). */
const BUCKET_NAME = /^(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An AWS region (`ap-northeast-1`, `us-gov-west-1`); other S3 servers may name theirs more freely. */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ANY_REGION = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A bucket or region that cannot be one would make every request fail with HTTP 400: bad input instead. */
function checkBucketAndRegion(raw: RawConfig, problem: (path: Path, message: string) => void): void {
  if (raw.bucket !== undefined && !BUCKET_NAME.test(raw.bucket)) {
    problem(
      ["bucket"],
      `${showValue(raw.bucket)} is not a valid S3 bucket name (3–63 characters: lower-case letters, digits, ` +
        `'.' and '-', starting and ending with a letter or digit, no '..', not an IP address; e.g. data.binance.vision)`,
    );
  }
  if (raw.region === undefined) return;
  const custom = raw.endpoint ?? raw.listing_endpoint ?? raw.object_endpoint;
  if (!custom && !AWS_REGION.test(raw.region)) {
    problem(
      ["region"],
      `${showValue(raw.region)} is not an AWS region (lower-case, like ap-northeast-1 or us-east-1; the archive is in ap-northeast-1)`,
    );
  } else if (custom && !ANY_REGION.test(raw.region)) {
    problem(
      ["region"],
      `${showValue(raw.region)} is not a valid region name (lower-case letters, digits, '-' and '_', like us-east-1)`,
    );
  }
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

function invalid(lines: string[]): LakehouseError {
  const head =
    lines.length === 1
      ? `Invalid configuration: ${lines[0]}`
      : `Invalid configuration (${lines.length} problems):`;
  return new LakehouseError("CONFIG_INVALID", head, { details: lines.length === 1 ? [] : lines });
}
