// CSV layouts of USD-M futures files (docs/archive.md §6): milliseconds throughout; header rows vary by date.
import type { CsvColumn, CsvSchema } from "@crypto-lakehouse/core";

const cols = (spec: string): CsvColumn[] =>
  spec.split(",").map((c) => {
    const [name, type] = c.trim().split(":") as [string, CsvColumn["type"]];
    return { name, type };
  });

/** Shared by klines, indexPriceKlines, markPriceKlines and premiumIndexKlines. */
export const klinesCsv: CsvSchema = {
  columns: cols(
    "open_time:time,open:decimal,high:decimal,low:decimal,close:decimal,volume:decimal,close_time:time," +
      "quote_volume:decimal,count:int,taker_buy_volume:decimal,taker_buy_quote_volume:decimal,ignore:string",
  ),
  header: "sometimes",
  timeUnit: "ms",
  note:
    "Header row from 2022-08-11 on, with scattered earlier headered days; none in monthly files before 2022-05." +
    " close_time = open_time + interval - 1 ms; outages appear as flat zero-volume klines.",
};

export const aggTradesCsv: CsvSchema = {
  columns: cols(
    "agg_trade_id:int,price:decimal,quantity:decimal,first_trade_id:int,last_trade_id:int,transact_time:time," +
      "is_buyer_maker:bool",
  ),
  header: "sometimes",
  timeUnit: "ms",
  note: "Header row from 2022-08-11 on. Booleans are written true/false.",
};

export const tradesCsv: CsvSchema = {
  columns: cols("id:int,price:decimal,qty:decimal,quote_qty:decimal,time:time,is_buyer_maker:bool"),
  header: "sometimes",
  timeUnit: "ms",
  note: "Current files have a header row, 2019 files do not. Booleans are written true/false.",
};

export const fundingRateCsv: CsvSchema = {
  columns: cols("calc_time:time,funding_interval_hours:int,last_funding_rate:decimal"),
  header: "always",
  timeUnit: "ms",
  note: "calc_time carries a few ms of jitter (e.g. 1775088000003): round to the funding grid, do not match exactly.",
};

export const metricsCsv: CsvSchema = {
  columns: cols(
    "create_time:datetime,symbol:string,sum_open_interest:decimal,sum_open_interest_value:decimal," +
      "count_toptrader_long_short_ratio:decimal,sum_toptrader_long_short_ratio:decimal," +
      "count_long_short_ratio:decimal,sum_taker_long_short_vol_ratio:decimal",
  ),
  header: "always",
  timeUnit: "text",
  note:
    "create_time is YYYY-MM-DD HH:MM:SS UTC on a 5-minute grid; ratio cells can be empty;" +
    " every row appears twice in files dated 2020-09 ... 2021-05 (deduplicate).",
};

export const bookDepthCsv: CsvSchema = {
  columns: cols("timestamp:datetime,percentage:decimal,depth:decimal,notional:decimal"),
  header: "always",
  timeUnit: "text",
  note: "timestamp is YYYY-MM-DD HH:MM:SS UTC; rows begin with a datetime, so detect the header by column names.",
};

export const bookTickerCsv: CsvSchema = {
  columns: cols(
    "update_id:int,best_bid_price:decimal,best_bid_qty:decimal,best_ask_price:decimal,best_ask_qty:decimal," +
      "transaction_time:time,event_time:time",
  ),
  header: "always",
  timeUnit: "ms",
};

export const liquidationSnapshotCsv: CsvSchema = {
  columns: cols(
    "time:time,side:string,order_type:string,time_in_force:string,original_quantity:decimal,price:decimal," +
      "average_price:decimal,order_status:string,last_fill_quantity:decimal,accumulated_fill_quantity:decimal",
  ),
  header: "always",
  timeUnit: "ms",
  note: "Every liquidation event appears twice (deduplicate). USD-M no longer publishes any file of this type.",
};
