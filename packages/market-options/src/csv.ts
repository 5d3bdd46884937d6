// CSV layouts of options files (docs/archive.md §6): both types always have a header row.
import type { CsvColumn, CsvSchema } from "@crypto-lakehouse/core";

const cols = (spec: string): CsvColumn[] =>
  spec.split(",").map((c) => {
    const [name, type] = c.trim().split(":") as [string, CsvColumn["type"]];
    return { name, type };
  });

export const bvolIndexCsv: CsvSchema = {
  columns: cols("calc_time:time,symbol:string,base_asset:string,quote_asset:string,index_value:decimal"),
  header: "always",
  timeUnit: "ms",
  note: "About one row per second.",
};

export const eohSummaryCsv: CsvSchema = {
  columns: cols(
    "date:date,hour:int,symbol:string,underlying:string,type:string,strike:decimal,open:decimal,high:decimal," +
      "low:decimal,close:decimal,volume_contracts:decimal,volume_usdt:decimal,best_bid_price:decimal," +
      "best_ask_price:decimal,best_bid_qty:decimal,best_ask_qty:decimal,best_buy_iv:decimal," +
      "best_sell_iv:decimal,mark_price:decimal,mark_iv:decimal,delta:decimal,gamma:decimal,vega:decimal," +
      "theta:decimal,openinterest_contracts:decimal,openinterest_usdt:decimal",
  ),
  header: "always",
  // No epoch column: the row time is `date` + `hour`.
  timeUnit: "none",
  note: 'The row time is date + hour (UTC). Zero is written as 0E-8 and a missing value as "" (empty cell).',
};
