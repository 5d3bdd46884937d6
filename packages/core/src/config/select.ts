// The selection part of a config (markets, data types, intervals, symbols, dates) checked against the archive
// matrix: what is collected, notes on what is skipped, and a problem for every value that cannot be right.

import type { Catalog } from "../matrix/compose.js";
import { addDays, isRealDate, toDayNumber } from "./dates.js";
import { showValue } from "./issues.js";
import type { MarketSelection, PlanNote } from "./normalize.js";
import type { Path } from "./problems.js";
import { CONFIG_DEFAULTS, type RawConfig } from "./schema.js";

const GLOB = /[*?]/;
const SYMBOL_CHARS = /^[A-Z0-9_]+$/;
const GLOB_CHARS = /^[A-Z0-9_*?]+$/;

/** Interval spellings users write that the archive spells otherwise. */
export function canonicalInterval(i: string): string {
  return i === "1M" ? "1mo" : i;
}

/** Data-type names from the specification that the archive spells otherwise (docs/archive.md). */
const DATA_TYPE_ALIASES: Readonly<Record<string, string>> = { premiumIndex: "premiumIndexKlines" };

function list(values: readonly string[]): string {
  return values.length ? values.join(", ") : "(none)";
}

/** What every step reads and adds to: the parsed config, the archive, notes and problems. */
export interface SelectContext {
  raw: RawConfig;
  /** Top-level keys whose shape was wrong (reported already; not checked again). */
  bad: Set<string>;
  catalog: Catalog;
  notes: PlanNote[];
  problem(path: Path, message: string): void;
}

export function selectMarkets(c: SelectContext): string[] {
  const known = [...c.catalog.markets.keys()];
  const markets: string[] = [];
  (c.bad.has("markets") ? [] : (c.raw.markets ?? [...CONFIG_DEFAULTS.markets])).forEach((m, i) => {
    if (c.catalog.markets.has(m)) {
      if (!markets.includes(m)) markets.push(m);
    } else c.problem(["markets", i], `${showValue(m)} is not a valid market (valid: ${list(known)})`);
  });
  return markets;
}

/** A data-type name as the archive spells it: an alias applies only while no market publishes the name itself. */
export function dataTypeAliaser(catalog: Catalog): (dt: string) => string {
  const knownType = (dt: string) => Object.values(catalog.matrix.markets).some((m) => m.dataTypes[dt]);
  return (dt) => (DATA_TYPE_ALIASES[dt] && !knownType(dt) ? DATA_TYPE_ALIASES[dt] : dt);
}

/** Data types: each must exist in at least one selected market; skipped (with a note) where it does not. */
export function selectDataTypes(
  c: SelectContext,
  markets: readonly string[],
  aliasOf: (dt: string) => string,
): { dataTypes: string[]; perMarket: Map<string, string[]> } {
  const dataTypes = (c.raw.data_types ?? []).map((dt) => {
    const real = aliasOf(dt);
    if (real !== dt)
      c.notes.push({
        level: "info",
        dataType: real,
        message: `${dt} is called ${real} in the archive; collecting ${real}`,
      });
    return real;
  });
  if (!c.raw.data_types && !c.bad.has("data_types"))
    c.problem(["data_types"], "required — list the data types to collect");
  const perMarket = new Map<string, string[]>(markets.map((m) => [m, []]));
  for (const [i, dt] of dataTypes.entries()) placeDataType(c, markets, perMarket, dt, i);
  return { dataTypes, perMarket };
}

function placeDataType(
  c: SelectContext,
  markets: readonly string[],
  perMarket: Map<string, string[]>,
  dt: string,
  i: number,
): void {
  const { catalog } = c;
  const owners = markets.filter((m) => catalog.market(m).matrix.dataTypes[dt]);
  const elsewhere = [...catalog.markets.keys()].filter((m) => catalog.market(m).matrix.dataTypes[dt]);
  if (owners.length === 0 && elsewhere.length > 0) {
    // A real archive type, just not in the selected markets (the specification's spot bookDepth): skip it.
    c.notes.push({
      level: "warn",
      dataType: dt,
      message: `${dt} is not published for ${markets.join(", ")} (only for ${elsewhere.join(", ")}); skipped`,
    });
    return;
  }
  if (owners.length === 0) {
    // With no usable market (all invalid, or markets itself bad), check against every market.
    const scope = markets.length ? markets : [...catalog.markets.keys()];
    const valid = [...new Set(scope.flatMap((m) => Object.keys(catalog.market(m).matrix.dataTypes)))].sort();
    c.problem(
      ["data_types", i],
      `${showValue(dt)} is not a valid data type (valid for ${scope.join(", ")}: ${list(valid)})`,
    );
    return;
  }
  for (const m of markets) {
    if (owners.includes(m)) {
      const types = perMarket.get(m)!;
      if (!types.includes(dt)) types.push(dt);
    } else
      c.notes.push({
        level: "info",
        market: m,
        dataType: dt,
        message: `${m} does not publish ${dt}; skipped there`,
      });
  }
}

/** Intervals given per data type for a type not requested, or one without intervals: noted, ignored. */
export function noteUnusedIntervals(
  c: SelectContext,
  markets: readonly string[],
  dataTypes: readonly string[],
  aliasOf: (dt: string) => string,
): void {
  const { raw, catalog } = c;
  if (!raw.intervals || Array.isArray(raw.intervals)) return;
  for (const dt of Object.keys(raw.intervals).map(aliasOf)) {
    const specs = markets.map((m) => catalog.market(m).matrix.dataTypes[dt]).filter((s) => s !== undefined);
    if (!dataTypes.includes(dt)) {
      c.notes.push({
        level: "info",
        dataType: dt,
        message: `intervals given for ${dt}, which is not requested; ignored`,
      });
    } else if (specs.length > 0 && specs.every((s) => s.keyShape !== "interval")) {
      c.notes.push({
        level: "info",
        dataType: dt,
        message: `${dt} has no intervals in the archive; intervals for it ignored`,
      });
    }
  }
}

/** Intervals: per data type (object) or for every kline-class type (array / CLI flag). */
function intervalsFor(
  raw: RawConfig,
  dt: string,
  aliasOf: (dt: string) => string,
): { values: string[]; path: Path } | undefined {
  if (!raw.intervals) return undefined;
  if (Array.isArray(raw.intervals)) return { values: raw.intervals, path: ["intervals"] };
  const key = Object.keys(raw.intervals).find((k) => aliasOf(k) === dt);
  const v = key === undefined ? undefined : raw.intervals[key];
  return v && key !== undefined ? { values: v, path: ["intervals", key] } : undefined;
}

/** One market's selection: its data types, each kline-class one with the intervals chosen for it. */
export function selectIntervals(
  c: SelectContext,
  m: string,
  markets: readonly string[],
  types: readonly string[],
  aliasOf: (dt: string) => string,
): MarketSelection {
  const market = c.catalog.market(m);
  const sel: MarketSelection = { market: m, dataTypes: [], symbols: [], patterns: [] };
  for (const dt of types) {
    const spec = market.matrix.dataTypes[dt]!;
    if (spec.keyShape !== "interval") {
      sel.dataTypes.push({ dataType: dt });
      continue;
    }
    const available = [...new Set([...(spec.intervals?.daily ?? []), ...(spec.intervals?.monthly ?? [])])];
    const asked = intervalsFor(c.raw, dt, aliasOf);
    if (!asked) {
      sel.dataTypes.push({ dataType: dt, intervals: available });
      c.notes.push({
        level: "info",
        market: m,
        dataType: dt,
        message: `no intervals given for ${dt}; using all: ${available.join(" ")}`,
      });
      continue;
    }
    const chosen = chooseIntervals(c, m, markets, dt, asked, available);
    if (chosen.length) sel.dataTypes.push({ dataType: dt, intervals: chosen });
  }
  return sel;
}

function chooseIntervals(
  c: SelectContext,
  m: string,
  markets: readonly string[],
  dt: string,
  asked: { values: string[]; path: Path },
  available: readonly string[],
): string[] {
  const chosen: string[] = [];
  asked.values.forEach((iv, i) => {
    const ci = canonicalInterval(iv);
    if (available.includes(ci)) {
      if (!chosen.includes(ci)) chosen.push(ci);
      return;
    }
    const anywhere = markets.some((mm) => {
      const s = c.catalog.market(mm).matrix.dataTypes[dt];
      return s?.intervals && [...(s.intervals.daily ?? []), ...(s.intervals.monthly ?? [])].includes(ci);
    });
    if (anywhere)
      c.notes.push({
        level: "info",
        market: m,
        dataType: dt,
        message: `${m} ${dt} has no ${ci} interval; skipped there`,
      });
    else
      c.problem(
        [...asked.path, i],
        `${showValue(iv)} is not a valid interval for ${dt} (valid: ${list(available)})`,
      );
  });
  return chosen;
}

type Given = { values: string[]; path: Path; single: boolean };

/** Symbols: a flat list for every market, or one list per market. */
function symbolsFor(symbols: RawConfig["symbols"], m: string): Given | undefined {
  if (symbols === undefined) return undefined;
  if (typeof symbols === "string") return { values: [symbols], path: ["symbols"], single: true };
  if (Array.isArray(symbols)) return { values: symbols, path: ["symbols"], single: false };
  const v = symbols[m];
  if (v === undefined) return undefined;
  return { values: typeof v === "string" ? [v] : v, path: ["symbols", m], single: typeof v === "string" };
}

/** Whether `s` is a well-formed symbol or pattern; reports it at `path` when it is neither. */
function formOf(c: SelectContext, s: string, path: Path): "symbol" | "pattern" | undefined {
  if (GLOB.test(s)) {
    if (GLOB_CHARS.test(s)) return "pattern";
    c.problem(path, `${showValue(s)} is not a valid symbol pattern (allowed: A-Z, 0-9, _, * and ?)`);
    return undefined;
  }
  if (SYMBOL_CHARS.test(s)) return "symbol";
  const upper = s.toUpperCase();
  const hint =
    upper !== s && SYMBOL_CHARS.test(upper) ? ` — symbols are upper case: ${showValue(upper)}` : "";
  c.problem(path, `${showValue(s)} is not a valid symbol (allowed: upper-case A-Z, 0-9 and _)${hint}`);
  return undefined;
}

/** Symbols into each selection; '*' and globs become patterns, resolved later by listing the archive. */
export function selectSymbols(
  c: SelectContext,
  markets: readonly string[],
  selections: MarketSelection[],
): void {
  const symbols = c.raw.symbols;
  const perMarket = symbols !== undefined && typeof symbols === "object" && !Array.isArray(symbols);
  if (perMarket) {
    for (const k of Object.keys(symbols)) {
      if (!markets.includes(k) && markets.length > 0) {
        c.notes.push({
          level: "info",
          market: k,
          message: `symbols given for ${k}, which is not a selected market; ignored`,
        });
      }
    }
  }
  for (const sel of selections) {
    const given = symbolsFor(symbols, sel.market);
    if (!given || given.values.length === 0) {
      if (!c.bad.has("symbols"))
        c.problem(
          perMarket ? ["symbols", sel.market] : ["symbols"],
          `no symbols for market ${showValue(sel.market)} — list symbols (e.g. BTCUSDT) or "*" for all`,
        );
      continue;
    }
    // A set beside the list: requests may name hundreds of thousands of symbols (planning stays linear).
    const seen = new Set(sel.symbols);
    for (const [i, s] of given.values.entries()) {
      addSymbol(c, sel, seen, s, given.single ? given.path : [...given.path, i]);
    }
  }
  if (selections.length === 0 && symbols !== undefined) {
    // No usable market to check them against: still check their form.
    for (const given of (perMarket ? Object.keys(symbols) : [""]).map((m) => symbolsFor(symbols, m))) {
      given?.values.forEach((s, i) => {
        formOf(c, s, given.single ? given.path : [...given.path, i]);
      });
    }
  }
}

function addSymbol(c: SelectContext, sel: MarketSelection, seen: Set<string>, s: string, path: Path): void {
  const market = c.catalog.market(sel.market);
  const form = formOf(c, s, path);
  if (form === "pattern" && !sel.patterns.includes(s)) sel.patterns.push(s);
  if (form !== "symbol") return;
  const types = sel.dataTypes.map((d) => d.dataType);
  const ok = types.length === 0 || types.some((dt) => market.resolveSymbol(dt, s) !== undefined);
  if (!ok) {
    c.problem(
      path,
      `${showValue(s)} is not a valid ${sel.market} symbol (pattern ${market.matrix.symbolPattern})`,
    );
    return;
  }
  if (seen.has(s)) return;
  seen.add(s);
  sel.symbols.push(s);
}

/** The date range: yesterday without one; an open start means "from the earliest file". */
export function selectDates(
  c: SelectContext,
  today: string,
  startName: string,
): { start?: string; end: string } {
  const dr = c.raw.date_range;
  if (!dr) {
    const day = addDays(today, -1);
    return { start: day, end: day };
  }
  let start: string | undefined;
  let end = today;
  if (dr.start !== undefined) {
    if (isRealDate(dr.start)) start = dr.start;
    else
      c.problem(["date_range", "start"], `${showValue(dr.start)} is not a real date (expected YYYY-MM-DD)`);
  }
  if (dr.end !== undefined) {
    if (isRealDate(dr.end)) end = dr.end;
    else c.problem(["date_range", "end"], `${showValue(dr.end)} is not a real date (expected YYYY-MM-DD)`);
  }
  if (start && isRealDate(end) && toDayNumber(end) < toDayNumber(start)) {
    c.problem(
      ["date_range", "end"],
      `${showValue(end)} is before ${startName} ${showValue(start)} (the end must be on or after the start)`,
    );
  }
  return { ...(start ? { start } : {}), end };
}

/**
 * Dates before the archive: an earlier year than the first selected market's first files is surely a typo
 * (`1025-06-01`) and refused; an earlier day of that year is clamped per market (the planner starts there), noted.
 */
export function checkArchiveDates(
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
export function checkBucketAndRegion(raw: RawConfig, problem: (path: Path, message: string) => void): void {
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
