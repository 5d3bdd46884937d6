// Where silver lives: Parquet keys (hive partitions), view names, the _meta records, and bronze key parsing.
import { basename, type MarketPlugin, META } from "@crypto-lakehouse/core";
import type { BronzeSource } from "./types.js";

export const SILVER = "silver";
export const GOLD = "gold";

/** `silver/<market>/<dataType>/` */
export function silverTablePrefix(market: string, dataType: string): string {
  return `${SILVER}/${market}/${dataType}/`;
}

/** The month a file's rows are filed under: its period's month (`2025-01-15` → `2025-01`). */
export function monthOfPeriod(period: string): string {
  return period.slice(0, 7);
}

/**
 * `silver/<market>/<dataType>/symbol=<S>/[interval=<I>/]month=<YYYY-MM>/<bronze file stem>.parquet`.
 * One Parquet file per bronze zip, named after it: converting a changed zip again replaces its part.
 */
export function silverPartKey(
  f: Pick<BronzeSource, "market" | "dataType" | "symbol" | "interval" | "period" | "bronzeKey">,
): string {
  const stem = basename(f.bronzeKey).replace(/\.zip$/, "");
  const interval = f.interval ? `interval=${f.interval}/` : "";
  return `${silverTablePrefix(f.market, f.dataType)}symbol=${f.symbol}/${interval}month=${monthOfPeriod(f.period)}/${stem}.parquet`;
}

/** SQL view of a table: `spot_klines`, `futures_um_fundingRate`. */
export function viewName(market: string, dataType: string): string {
  return `${market}_${dataType}`;
}

/** Conversion state of one symbol of one table (what was converted from which bronze bytes). */
export function silverStateKey(market: string, dataType: string, symbol: string): string {
  return `${META}/silver/state/${market}/${dataType}/${symbol}.json`;
}

export function silverStatePrefix(market: string, dataType: string): string {
  return `${META}/silver/state/${market}/${dataType}/`;
}

/** The quality report of a whole table. */
export function tableReportKey(market: string, dataType: string): string {
  return `${META}/silver/tables/${market}/${dataType}.json`;
}

export const TABLE_REPORTS_PREFIX = `${META}/silver/tables/`;

export function silverRunKey(runId: string): string {
  return `${META}/silver/runs/${runId}.json`;
}

export function goldTableKey(table: string): string {
  return `${GOLD}/${table}/`;
}

/**
 * `bronze/<market>/<dataType>/<partition>/<SYMBOL>/[<interval>/]<file>.zip` → the archive file it holds, through
 * the market plugin's own key rules (so the period and interval are read exactly as the collector wrote them).
 */
export function parseBronzeKey(
  key: string,
  markets: ReadonlyMap<string, MarketPlugin>,
): Omit<BronzeSource, "size"> | undefined {
  const parts = key.split("/");
  if (parts[0] !== "bronze" || !key.endsWith(".zip")) return undefined;
  const [, market, dataType, partition, symbol, ...rest] = parts;
  if (!market || !dataType || !partition || !symbol || rest.length < 1 || rest.length > 2) return undefined;
  const plugin = markets.get(market);
  if (!plugin) return undefined;
  const archiveKey = `data/${plugin.matrix.archivePath}/${partition}/${dataType}/${symbol}/${rest.join("/")}`;
  const f = plugin.parseKey(archiveKey);
  if (!f) return undefined;
  return { ...f, bronzeKey: key };
}
