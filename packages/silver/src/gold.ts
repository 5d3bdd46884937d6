// Gold tables: analytics-ready tables built from silver. The first one is `daily_ohlcv`: one row per market,
// symbol and UTC day, from the coarsest kline interval that covers the whole day (else the best-covered one).
import { mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { LakehouseError, type MarketPlugin, type StorageBackend } from "@crypto-lakehouse/core";
import { goldTableKey, viewName } from "./layout.js";
import { DEFAULT_MARKETS } from "./markets.js";
import { openSqlSession, type SqlSessionOptions } from "./query.js";
import { silverSchema } from "./schema.js";
import { lit } from "./sql.js";

export const GOLD_TABLES = ["daily_ohlcv"] as const;
export type GoldTable = (typeof GOLD_TABLES)[number];

export interface GoldOptions extends SqlSessionOptions {
  tempDir?: string;
  /** The markets whose klines gold reads (default: the built-in markets). */
  markets?: readonly MarketPlugin[];
}

export interface GoldResult {
  table: GoldTable;
  view: string;
  rows: number;
  /** Keys written (one Parquet file per market). */
  keys: string[];
  /** Silver views it read. */
  sources: string[];
}

/** Bar length in seconds of the intervals a day can be built from (coarsest first). */
const DAY_INTERVALS: [string, number][] = [
  ["1d", 86400],
  ["12h", 43200],
  ["8h", 28800],
  ["6h", 21600],
  ["4h", 14400],
  ["2h", 7200],
  ["1h", 3600],
  ["30m", 1800],
  ["15m", 900],
  ["5m", 300],
  ["3m", 180],
  ["1m", 60],
  ["1s", 1],
];

/** One market's silver kline columns that gold maps onto one set of names. */
export interface KlineSource {
  market: string;
  quote: string;
  trades: string;
  takerBase: string;
  takerQuote: string;
}

/**
 * The kline sources of every market with klines, named as its CSV schema names them. The archive's kline layout is
 * the same in every market, only the names differ: after open time, OHLC, volume and close time come the quote
 * volume, the trade count, and the taker buy base and quote volumes (columns 8–11).
 */
export function klineSources(markets: readonly MarketPlugin[] = DEFAULT_MARKETS): KlineSource[] {
  return markets.flatMap((m) => {
    const columns = m.matrix.dataTypes.klines?.csv?.columns;
    if (!columns || columns.length < 11) return [];
    const silver = silverSchema(m, "klines").columns;
    const named = (i: number) => silver.find((c) => c.source === columns[i]!.name)?.name ?? columns[i]!.name;
    return [{ market: m.id, quote: named(7), trades: named(8), takerBase: named(9), takerQuote: named(10) }];
  });
}

/** The daily_ohlcv query over whichever kline views exist. */
export function dailyOhlcvSql(views: readonly string[], sources = klineSources()): string {
  const parts = sources
    .filter((s) => views.includes(viewName(s.market, "klines")))
    .map(
      (s) =>
        `SELECT '${s.market}' AS market, symbol, interval, open_time, open, high, low, close, volume, ${s.quote} AS quote_volume, ` +
        `${s.trades} AS trades, ${s.takerBase} AS taker_buy_volume, ${s.takerQuote} AS taker_buy_quote_volume ` +
        `FROM ${viewName(s.market, "klines")} WHERE interval IN (${DAY_INTERVALS.map(([i]) => lit(i)).join(", ")})`,
    );
  const lengths = DAY_INTERVALS.map(([i, s]) => `(${lit(i)}, ${s})`).join(", ");
  return `WITH k AS (${parts.join(" UNION ALL ")}),
per AS (
  SELECT market, symbol, CAST(open_time AS DATE) AS date, interval,
    arg_min(open, open_time) AS open, max(high) AS high, min(low) AS low, arg_max(close, open_time) AS close,
    sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
    sum(taker_buy_volume) AS taker_buy_volume, sum(taker_buy_quote_volume) AS taker_buy_quote_volume,
    count(*) AS bars
  FROM k GROUP BY ALL
),
ranked AS (
  SELECT per.*, len.seconds, per.bars * len.seconds >= 86400 AS complete,
    row_number() OVER (PARTITION BY market, symbol, date ORDER BY per.bars * len.seconds >= 86400 DESC, per.bars * len.seconds DESC, len.seconds DESC) AS pick
  FROM per JOIN (VALUES ${lengths}) AS len(interval, seconds) USING (interval)
)
SELECT market, symbol, date, open, high, low, close, volume, quote_volume, trades, taker_buy_volume, taker_buy_quote_volume,
  bars, interval AS source_interval, complete
FROM ranked WHERE pick = 1 ORDER BY market, symbol, date`;
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.name.endsWith(".parquet")) out.push(p);
  }
  return out;
}

/** Rebuilds a gold table from silver and stores it as `gold/<table>/market=<m>/part-0.parquet`. */
export async function buildGold(
  storage: StorageBackend,
  table: GoldTable = "daily_ohlcv",
  opts: GoldOptions = {},
): Promise<GoldResult> {
  if (!GOLD_TABLES.includes(table)) {
    throw new LakehouseError(
      "UNSUPPORTED",
      `'${table}' is not a gold table (known: ${GOLD_TABLES.join(", ")})`,
    );
  }
  const work = join(opts.tempDir ?? tmpdir(), `gold-${process.pid}-${Date.now()}`);
  await mkdir(work, { recursive: true });
  // The sandboxed session may write its parts into `work`, nowhere else.
  const session = await openSqlSession(storage, { ...opts, scratchDirs: [work] }).catch(async (e) => {
    await rm(work, { recursive: true, force: true });
    throw e;
  });
  try {
    const views = session.views.map((v) => v.view);
    const klines = klineSources(opts.markets);
    const sources = klines.map((s) => viewName(s.market, "klines")).filter((v) => views.includes(v));
    if (sources.length === 0) {
      throw new LakehouseError(
        "NOT_FOUND",
        `No silver klines in ${storage.location}: daily_ohlcv is built from spot/futures klines`,
        {
          details: ["Collect klines and run `lakehouse silver` first."],
        },
      );
    }
    // Inside `work`: the sandbox allows what is under its folders, not the folder itself.
    const parts = join(work, "parts");
    const [r] = await session.duck.rows<{ Count: string }>(
      `COPY (${dailyOhlcvSql(views, klines)}) TO ${lit(parts)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (market), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
    );
    const prefix = goldTableKey(table);
    const keys: string[] = [];
    for (const f of await walkFiles(parts)) {
      const key = `${prefix}${relative(parts, f).split("\\").join("/")}`;
      await storage.put(key, { path: f }, { contentType: "application/vnd.apache.parquet" });
      keys.push(key);
    }
    // Markets that no longer have klines lose their old gold part.
    for await (const o of storage.list(prefix)) if (!keys.includes(o.key)) await storage.delete(o.key);
    return { table, view: `gold_${table}`, rows: Number(r?.Count ?? 0), keys, sources };
  } finally {
    session.close();
    await rm(work, { recursive: true, force: true });
  }
}
