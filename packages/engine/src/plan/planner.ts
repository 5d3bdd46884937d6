// Turns a CollectionRequest into a stream of ArchiveFiles, with notes on what was left out and why.
// Symbol globs and open date ranges are resolved by listing the archive, never by guessing into 404s.

import type {
  ArchiveFile,
  Catalog,
  CollectionRequest,
  DataTypeSpec,
  MarketPlugin,
  MarketSelection,
  Partition,
  PlanNote,
  RemoteEntry,
} from "@crypto-lakehouse/core";
import { addDays, monthOf, todayUtc, windowText } from "@crypto-lakehouse/core";
import picomatch from "picomatch";
import { availability, seriesPeriods } from "./series.js";

export type Lister = (prefix: string, delimiter?: string) => AsyncIterable<RemoteEntry>;

export interface PlanContext {
  catalog: Catalog;
  /** Lists the archive; needed for symbol globs and open start dates. */
  lister?: Lister;
  today?: string;
}

export interface Plan {
  /** Filled before iteration (static notes) and while iterating (discovery notes). */
  notes: PlanNote[];
  files: AsyncIterable<ArchiveFile>;
}

interface Series {
  market: MarketPlugin;
  dataType: string;
  spec: DataTypeSpec;
  symbol: string;
  interval?: string;
}

export function planFiles(request: CollectionRequest, ctx: PlanContext): Plan {
  const notes: PlanNote[] = [...request.notes];
  const today = ctx.today ?? todayUtc();
  // A monthly file appears in the next month at the earliest: the current month can only 404.
  const lastMonthPublishable = monthOf(addDays(`${monthOf(today)}-01`, -1));
  let end = request.end;
  if (end > today) {
    notes.push({
      level: "info",
      message: `dates after ${today} (today, UTC) are not published yet; not planned`,
    });
    end = today;
  }
  if (request.start && request.start > end) {
    return { notes, files: (async function* () {})() };
  }

  const needsListing = !request.start || request.markets.some((m) => m.patterns.length > 0);
  if (needsListing && !ctx.lister) {
    const what = !request.start ? "an open start date" : "symbol patterns";
    throw new Error(`planning ${what} needs the archive listing (no lister given)`);
  }

  const staticNotes = new Set<string>();
  const note = (n: PlanNote) => {
    const k = `${n.market}|${n.dataType}|${n.message}`;
    if (!staticNotes.has(k)) {
      staticNotes.add(k);
      notes.push(n);
    }
  };

  // Notes that do not depend on listing, so `plan` can show them before any file.
  for (const sel of request.markets) {
    const market = ctx.catalog.market(sel.market);
    for (const dts of sel.dataTypes) {
      const spec = market.matrix.dataTypes[dts.dataType]!;
      describeSeriesLimits(
        market,
        dts.dataType,
        spec,
        dts.intervals,
        request,
        end,
        lastMonthPublishable,
        note,
      );
    }
  }
  return { notes, files: generateFiles(request, ctx, { end, lastMonthPublishable }, note) };
}

/** Every planned file, series by series; symbol patterns and open starts are resolved with the listing. */
async function* generateFiles(
  request: CollectionRequest,
  ctx: PlanContext,
  range: { end: string; lastMonthPublishable: string },
  note: (n: PlanNote) => void,
): AsyncGenerator<ArchiveFile> {
  for (const sel of request.markets) {
    const market = ctx.catalog.market(sel.market);
    for (const dts of sel.dataTypes) {
      const spec = market.matrix.dataTypes[dts.dataType]!;
      const symbols = await symbolsFor(market, sel, dts.dataType, spec, ctx.lister, note);
      for (const symbol of symbols) {
        for (const interval of dts.intervals ?? [undefined]) {
          const series: Series = {
            market,
            dataType: dts.dataType,
            spec,
            symbol,
            ...(interval ? { interval } : {}),
          };
          // Nothing of the market predates its first date (a note says so when the request does).
          const first = market.matrix.firstDate;
          let start = request.start && first && request.start < first ? first : request.start;
          if (!start) {
            start = await earliestPeriod(series, ctx.lister!);
            if (!start) {
              note({
                level: "info",
                market: market.id,
                dataType: dts.dataType,
                message: `${symbol}${interval ? ` ${interval}` : ""}: no files in the archive`,
              });
              continue;
            }
          }
          if (start > range.end) continue;
          yield* seriesFiles(series, request.partitions, start, range.end, range.lastMonthPublishable);
        }
      }
    }
  }
}

function* seriesFiles(
  s: Series,
  mode: CollectionRequest["partitions"],
  start: string,
  end: string,
  lastMonthPublishable: string,
): Generator<ArchiveFile> {
  const a = availability(s.spec, s.interval);
  for (const { partition, period } of seriesPeriods(a, mode, start, end, lastMonthPublishable)) {
    const ref = {
      market: s.market.id,
      partition,
      dataType: s.dataType,
      symbol: s.symbol,
      ...(s.interval ? { interval: s.interval } : {}),
      period,
    };
    yield { ...ref, key: s.market.fileKey(ref) };
  }
}

async function symbolsFor(
  market: MarketPlugin,
  sel: MarketSelection,
  dataType: string,
  spec: DataTypeSpec,
  lister: Lister | undefined,
  note: (n: PlanNote) => void,
): Promise<string[]> {
  // Insertion-ordered and deduplicated in O(1) per symbol: a request may name hundreds of thousands.
  const out = new Set<string>();
  for (const s of sel.symbols) {
    const r = market.resolveSymbol(dataType, s);
    if (!r) {
      note({
        level: "warn",
        market: market.id,
        dataType,
        message: `${s} is not a ${dataType} symbol; skipped`,
      });
      continue;
    }
    if (r.note) note({ level: "info", market: market.id, dataType, message: r.note });
    out.add(r.symbol);
  }
  if (sel.patterns.length === 0) return [...out];
  const found = new Set<string>();
  for (const partition of spec.partitions) {
    for await (const e of lister!(market.dataTypePrefix(partition, dataType), "/")) {
      if (e.kind === "prefix") found.add(e.prefix.slice(0, -1).split("/").pop()!);
    }
  }
  const all = [...found].sort();
  for (const pattern of sel.patterns) {
    const isMatch = picomatch(pattern);
    const matched = all.filter((s) => isMatch(s));
    if (matched.length === 0) {
      note({
        level: "warn",
        market: market.id,
        dataType,
        message: `no ${dataType} symbol in the archive matches '${pattern}'`,
      });
    }
    for (const s of matched) out.add(s);
  }
  return [...out];
}

/** The first day covered by any file of the series, from listing its folders (daily and monthly). */
async function earliestPeriod(s: Series, lister: Lister): Promise<string | undefined> {
  let earliest: string | undefined;
  for (const partition of s.spec.partitions as Partition[]) {
    if (s.interval && !(s.spec.intervals?.[partition] ?? []).includes(s.interval)) continue;
    const prefix = s.market.symbolPrefix(partition, s.dataType, s.symbol, s.interval);
    for await (const e of lister(prefix, "/")) {
      if (e.kind !== "object") continue;
      const f = s.market.parseKey(e.key);
      if (!f) continue;
      const day = partition === "monthly" ? `${f.period}-01` : f.period;
      if (!earliest || day < earliest) earliest = day;
      // Listings are sorted by key, and keys sort by date within one folder.
      break;
    }
  }
  return earliest;
}

function describeSeriesLimits(
  market: MarketPlugin,
  dataType: string,
  spec: DataTypeSpec,
  intervals: string[] | undefined,
  request: CollectionRequest,
  end: string,
  lastMonthPublishable: string,
  note: (n: PlanNote) => void,
): void {
  const base = { market: market.id, dataType };
  const w = spec.windows;
  if (spec.partitions.every((p) => w?.[p]?.empty)) {
    note({
      level: "warn",
      ...base,
      message: `${market.id} ${dataType} has no files in the archive (${w?.daily?.note ?? w?.monthly?.note ?? "empty dataset"}); not planned`,
    });
    return;
  }
  for (const p of spec.partitions) {
    const win = w?.[p];
    if (!win) continue;
    const from = win.from;
    const to = win.to;
    const outside = (to && request.start && request.start > to) || (from && end < from);
    if (outside) {
      note({
        level: "warn",
        ...base,
        message: `${market.id} ${dataType} ${p} files exist only ${windowText(p, win)}; the requested dates are outside, nothing planned there`,
      });
    }
  }
  const mode = request.partitions;
  for (const interval of intervals ?? [undefined]) {
    const a = availability(spec, interval);
    const what = `${dataType}${interval ? ` ${interval}` : ""}`;
    if (!a.daily && a.monthly) {
      if (mode === "daily")
        note({
          level: "warn",
          ...base,
          message: `${what} is published monthly only; skipped with partitions=daily`,
        });
      else if (mode === "auto")
        note({
          level: "info",
          ...base,
          message: `${what} is published monthly only; whole monthly files cover the requested days`,
        });
      if (monthOf(end) > lastMonthPublishable && mode !== "daily") {
        note({
          level: "info",
          ...base,
          message: `${what}: monthly files after ${lastMonthPublishable} are not published yet`,
        });
      }
    }
    if (a.daily && !a.monthly && mode === "monthly") {
      note({
        level: "warn",
        ...base,
        message: `${what} is published daily only; skipped with partitions=monthly`,
      });
    }
  }
}
