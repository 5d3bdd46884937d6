// Which bronze files a selection covers: markets, data types, symbol globs, intervals, partitions, dates.
import {
  type CollectionRequest,
  canonicalInterval,
  firstDayOfMonth,
  isRealDate,
  LakehouseError,
  lastDayOfMonth,
  type MarketPlugin,
} from "@crypto-lakehouse/core";
import type { BronzeSource, SilverSelection } from "./types.js";

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

export interface SelectionFilter {
  market(id: string): boolean;
  dataType(dt: string): boolean;
  file(f: BronzeSource): boolean;
}

/**
 * Validates a selection (dates) and compiles it into predicates. With the market plugins given, an exact symbol
 * also matches its archive spelling for each data type (options `BTC` → `BTCBVOLUSDT` for BVOLIndex).
 */
export function compileSelection(
  sel: SilverSelection,
  plugins: readonly MarketPlugin[] = [],
): SelectionFilter {
  for (const [name, v] of [
    ["start", sel.start],
    ["end", sel.end],
  ] as const) {
    if (v !== undefined && !isRealDate(v))
      throw new LakehouseError("CONFIG_INVALID", `--${name}: '${v}' is not a date (YYYY-MM-DD)`);
  }
  if (sel.start && sel.end && sel.start > sel.end) {
    throw new LakehouseError("CONFIG_INVALID", `--start ${sel.start} is after --end ${sel.end}`);
  }
  const markets = sel.markets?.length ? new Set(sel.markets) : undefined;
  const types = sel.dataTypes?.length ? new Set(sel.dataTypes) : undefined;
  const symbols = sel.symbols?.length ? sel.symbols.map((s) => globToRegExp(s.toUpperCase())) : undefined;
  const exact = (sel.symbols ?? []).filter((s) => !/[*?]/.test(s)).map((s) => s.toUpperCase());
  const byId = new Map(plugins.map((m) => [m.id, m]));
  const alias = (f: BronzeSource) =>
    exact.some((s) => byId.get(f.market)?.resolveSymbol(f.dataType, s)?.symbol === f.symbol);
  const intervals = sel.intervals?.length ? new Set(sel.intervals.map(canonicalInterval)) : undefined;
  const partitions = sel.partitions?.length ? new Set(sel.partitions) : undefined;
  return {
    market: (id) => !markets || markets.has(id),
    dataType: (dt) => !types || types.has(dt),
    file(f) {
      if (symbols && !symbols.some((r) => r.test(f.symbol)) && !alias(f)) return false;
      if (intervals && f.interval !== undefined && !intervals.has(f.interval)) return false;
      if (partitions && !partitions.has(f.partition)) return false;
      const first = f.partition === "daily" ? f.period : firstDayOfMonth(f.period);
      const last = f.partition === "daily" ? f.period : lastDayOfMonth(f.period);
      if (sel.start && last < sel.start) return false;
      if (sel.end && first > sel.end) return false;
      return true;
    },
  };
}

/**
 * The silver selection matching a collect request (for `collect --silver`): its markets, data types, intervals,
 * dates, and symbols in every spelling the archive uses for them (aliases resolved per data type, globs kept).
 */
export function selectionFromRequest(
  request: CollectionRequest,
  markets: readonly MarketPlugin[],
): SilverSelection {
  const byId = new Map(markets.map((m) => [m.id, m]));
  const symbols = new Set<string>();
  const dataTypes = new Set<string>();
  const intervals = new Set<string>();
  for (const m of request.markets) {
    const plugin = byId.get(m.market);
    for (const p of m.patterns) symbols.add(p);
    for (const dt of m.dataTypes) {
      dataTypes.add(dt.dataType);
      for (const i of dt.intervals ?? []) intervals.add(i);
      for (const s of m.symbols) symbols.add(plugin?.resolveSymbol(dt.dataType, s)?.symbol ?? s);
    }
  }
  return {
    markets: request.markets.map((m) => m.market),
    dataTypes: [...dataTypes],
    ...(symbols.size ? { symbols: [...symbols] } : {}),
    ...(intervals.size ? { intervals: [...intervals] } : {}),
    ...(request.start ? { start: request.start } : {}),
    end: request.end,
  };
}
