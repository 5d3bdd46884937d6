// Which row generator writes which data type, and the columns each one writes (checked against the plugins' schemas).
import type { Flavor } from "../profile.js";
import type { CsvContext, RowGenerator } from "./context.js";
import { bookDepthRows, bookTickerRows, fundingRateRows, liquidationRows, metricsRows } from "./futures.js";
import { klineRows } from "./klines.js";
import { bvolRows, eohRows } from "./options.js";
import { aggTradeRows, tradeRows } from "./trades.js";

export type { CsvContext, RowGenerator } from "./context.js";
export { klineRowCount } from "./klines.js";

const GENERATORS: Record<string, RowGenerator> = {
  klines: klineRows,
  indexPriceKlines: klineRows,
  markPriceKlines: klineRows,
  premiumIndexKlines: klineRows,
  trades: tradeRows,
  aggTrades: aggTradeRows,
  fundingRate: fundingRateRows,
  metrics: metricsRows,
  bookDepth: bookDepthRows,
  bookTicker: bookTickerRows,
  liquidationSnapshot: liquidationRows,
  BVOLIndex: bvolRows,
  EOHSummary: eohRows,
};

const SPOT_KLINE =
  "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_asset_volume,taker_buy_quote_asset_volume,ignore";
const FUT_KLINE =
  "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

/** Columns per data type as docs/archive.md §6 lists them; `spot`/`um`/`cm` variants where the markets differ. */
const COLUMNS: Record<string, Partial<Record<Flavor | "*", string>>> = {
  klines: { spot: SPOT_KLINE, "*": FUT_KLINE },
  indexPriceKlines: { "*": FUT_KLINE },
  markPriceKlines: { "*": FUT_KLINE },
  premiumIndexKlines: { "*": FUT_KLINE },
  aggTrades: {
    spot: "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match",
    "*": "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
  },
  trades: {
    spot: "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match",
    um: "id,price,qty,quote_qty,time,is_buyer_maker",
    cm: "id,price,qty,base_qty,time,is_buyer_maker",
  },
  fundingRate: { "*": "calc_time,funding_interval_hours,last_funding_rate" },
  metrics: {
    "*": "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio",
  },
  bookDepth: { "*": "timestamp,percentage,depth,notional" },
  bookTicker: {
    "*": "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time",
  },
  liquidationSnapshot: {
    "*": "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,last_fill_quantity,accumulated_fill_quantity",
  },
  BVOLIndex: { "*": "calc_time,symbol,base_asset,quote_asset,index_value" },
  EOHSummary: {
    "*": "date,hour,symbol,underlying,type,strike,open,high,low,close,volume_contracts,volume_usdt,best_bid_price,best_ask_price,best_bid_qty,best_ask_qty,best_buy_iv,best_sell_iv,mark_price,mark_iv,delta,gamma,vega,theta,openinterest_contracts,openinterest_usdt",
  },
};

/** Whether the replica can write this data type. */
export function hasGenerator(dataType: string): boolean {
  return dataType in GENERATORS;
}

/** Column names the generator writes for a data type in a market family. */
export function generatedColumns(flavor: Flavor, dataType: string): string[] {
  const spec = COLUMNS[dataType];
  const text = spec?.[flavor] ?? spec?.["*"];
  if (!text) throw new Error(`The replica has no CSV layout for ${flavor}/${dataType}`);
  return text.split(",");
}

/** The data rows of one file. */
export function csvRows(ctx: CsvContext): Iterable<string> {
  const gen = GENERATORS[ctx.dataType];
  if (!gen) throw new Error(`The replica has no CSV generator for data type '${ctx.dataType}'`);
  return gen(ctx);
}

/** A whole CSV file: optional header row, `\n` line ends, a final newline. */
export function csvText(
  ctx: CsvContext,
  header: readonly string[] | undefined,
): { text: string; rows: number } {
  const lines: string[] = header ? [header.join(",")] : [];
  let rows = 0;
  for (const row of csvRows(ctx)) {
    lines.push(row);
    rows++;
  }
  lines.push("");
  return { text: lines.join("\n"), rows };
}
