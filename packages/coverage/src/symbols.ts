// Symbol history from the archive's listing: every symbol a market's data type has or had, with the first and
// last day its files cover (delisted and settled ones included), so "which symbols existed on day X" has a
// survivorship-free answer. One listing per folder, through the listing cache.
import {
  addDays,
  type Catalog,
  LakehouseError,
  lastDayOfMonth,
  type Partition,
  type StorageBackend,
} from "@crypto-lakehouse/core";
import type { ListingCache } from "./listing.js";
import { metaTableFolder, ParquetTableWriter, type TableColumn } from "./table.js";

export interface SymbolHistory {
  market: string;
  dataType: string;
  /** The interval folder whose files gave the dates (kline-class types). */
  interval?: string;
  symbol: string;
  /** First and last day covered by a file, `YYYY-MM-DD` (a monthly file covers its whole month). */
  first: string;
  last: string;
  dailyFiles: number;
  monthlyFiles: number;
  /** `listed` while its files reach the newest day of the type (within 3 days), else `delisted`. */
  status: "listed" | "delisted";
}

export interface SymbolHistoryOptions {
  catalog: Catalog;
  listing: ListingCache;
  market: string;
  dataType: string;
  /** Interval folder to date kline-class symbols by (default `1d`, else the type's first interval). */
  interval?: string;
}

/** How far behind the type's newest day a symbol's last file may be and still count as listed. */
const LISTED_SLACK_DAYS = 3;

function intervalFor(o: SymbolHistoryOptions, intervals: string[]): string | undefined {
  if (intervals.length === 0) return undefined;
  if (o.interval) {
    if (!intervals.includes(o.interval)) {
      throw new LakehouseError(
        "CONFIG_INVALID",
        `--interval: '${o.interval}' is not an interval of ${o.market} ${o.dataType} (allowed: ${intervals.join(", ")})`,
      );
    }
    return o.interval;
  }
  return intervals.includes("1d") ? "1d" : intervals[0];
}

/** Every symbol of the type with its first and last day, sorted by symbol. */
export async function symbolHistory(o: SymbolHistoryOptions): Promise<SymbolHistory[]> {
  const plugin = o.catalog.market(o.market);
  const spec = plugin.matrix.dataTypes[o.dataType];
  if (!spec) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `--data-type: ${o.market} has no '${o.dataType}' (allowed: ${Object.keys(plugin.matrix.dataTypes).join(", ")})`,
    );
  }
  const intervals =
    spec.keyShape === "interval"
      ? [...new Set([...(spec.intervals?.daily ?? []), ...(spec.intervals?.monthly ?? [])])]
      : [];
  const interval = intervalFor(o, intervals);
  const parts = (spec.partitions as Partition[]).filter(
    (p) => !spec.windows?.[p]?.empty && (!interval || (spec.intervals?.[p] ?? []).includes(interval)),
  );
  const acc = new Map<string, SymbolHistory>();
  for (const p of parts) {
    const symbols = (await o.listing.folder(plugin.dataTypePrefix(p, o.dataType))).folders;
    const listings = await Promise.all(
      symbols.map((s) => o.listing.folder(plugin.symbolPrefix(p, o.dataType, s, interval))),
    );
    symbols.forEach((symbol, i) => {
      const zips = listings[i]!.objects.filter((x) => x.name.endsWith(".zip")).map((x) => x.name);
      if (zips.length === 0) return;
      const cut = p === "daily" ? 14 : 11;
      const periods = zips.map((n) => n.slice(-cut, -4)).sort();
      const first = p === "daily" ? periods[0]! : `${periods[0]}-01`;
      const last = p === "daily" ? periods.at(-1)! : lastDayOfMonth(periods.at(-1)!);
      const h = acc.get(symbol) ?? {
        market: o.market,
        dataType: o.dataType,
        ...(interval ? { interval } : {}),
        symbol,
        first,
        last,
        dailyFiles: 0,
        monthlyFiles: 0,
        status: "listed" as const,
      };
      if (first < h.first) h.first = first;
      if (last > h.last) h.last = last;
      if (p === "daily") h.dailyFiles += zips.length;
      else h.monthlyFiles += zips.length;
      acc.set(symbol, h);
    });
  }
  const out = [...acc.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  const newest =
    out
      .map((h) => h.last)
      .sort()
      .at(-1) ?? "";
  const cutoff = newest ? addDays(newest, -LISTED_SLACK_DAYS) : "";
  for (const h of out) h.status = h.last >= cutoff ? "listed" : "delisted";
  return out;
}

/** The symbols whose files cover `day` (first ≤ day ≤ last). */
export function listedOn(history: readonly SymbolHistory[], day: string): SymbolHistory[] {
  return history.filter((h) => h.first <= day && day <= h.last);
}

export const SYMBOLS_COLUMNS: readonly TableColumn[] = [
  { name: "market", type: "VARCHAR" },
  { name: "data_type", type: "VARCHAR" },
  { name: "interval", type: "VARCHAR" },
  { name: "symbol", type: "VARCHAR" },
  { name: "first_date", type: "DATE" },
  { name: "last_date", type: "DATE" },
  { name: "daily_files", type: "BIGINT" },
  { name: "monthly_files", type: "BIGINT" },
  { name: "status", type: "VARCHAR" },
];

/** `_meta/tables/symbols/<market>-<dataType>.parquet`: one file per type, so types add up in the table. */
export function symbolsTableKey(market: string, dataType: string): string {
  return `${metaTableFolder("symbols")}${market}-${dataType}.parquet`;
}

/** Stores the type's history as its part of the `symbols` SQL table. */
export async function writeSymbolsTable(
  storage: StorageBackend,
  market: string,
  dataType: string,
  history: readonly SymbolHistory[],
): Promise<string> {
  const key = symbolsTableKey(market, dataType);
  const w = new ParquetTableWriter(storage, key, SYMBOLS_COLUMNS);
  try {
    for (const h of history) {
      await w.add([
        h.market,
        h.dataType,
        h.interval,
        h.symbol,
        h.first,
        h.last,
        h.dailyFiles,
        h.monthlyFiles,
        h.status,
      ]);
    }
    await w.finish();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return key;
}
