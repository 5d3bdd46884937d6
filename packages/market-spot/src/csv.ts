// CSV layouts of spot files (docs/archive.md §6): never a header row, milliseconds until 2024, microseconds from 2025.
import type { CsvColumn, CsvSchema } from "@crypto-lakehouse/core";

const cols = (spec: string): CsvColumn[] =>
  spec.split(",").map((c) => {
    const [name, type] = c.trim().split(":") as [string, CsvColumn["type"]];
    return { name, type };
  });

// Spot switched every timestamp column to microseconds for files dated 2025-01-01 and later.
const US_FROM_2025 = { from: "2025-01-01", unit: "us" } as const;

export const klinesCsv: CsvSchema = {
  columns: cols(
    "open_time:time, open:decimal, high:decimal, low:decimal, close:decimal, volume:decimal, close_time:time," +
      " quote_asset_volume:decimal, number_of_trades:int, taker_buy_base_asset_volume:decimal," +
      " taker_buy_quote_asset_volume:decimal, ignore:string",
  ),
  header: "never",
  timeUnit: "ms",
  timeUnitSwitch: US_FROM_2025,
  note: "close_time = open_time + interval - 1 unit; exchange outages appear as flat zero-volume klines, not as missing rows.",
};

export const aggTradesCsv: CsvSchema = {
  columns: cols(
    "agg_trade_id:int, price:decimal, quantity:decimal, first_trade_id:int, last_trade_id:int," +
      " transact_time:time, is_buyer_maker:bool, is_best_match:bool",
  ),
  header: "never",
  timeUnit: "ms",
  timeUnitSwitch: US_FROM_2025,
  note: "Booleans are written True/False.",
};

export const tradesCsv: CsvSchema = {
  columns: cols(
    "id:int, price:decimal, qty:decimal, quote_qty:decimal, time:time, is_buyer_maker:bool, is_best_match:bool",
  ),
  header: "never",
  timeUnit: "ms",
  timeUnitSwitch: US_FROM_2025,
  note: "Booleans are written True/False.",
};
