// CSV layouts where COIN-M futures differ from USD-M (docs/archive.md §6); every other type uses USD-M's schema.
import type { CsvSchema } from "@crypto-lakehouse/core";
import { futuresDataTypes as usdm } from "@crypto-lakehouse/market-futures-um";

/** COIN-M trades count the base asset (`base_qty`) where USD-M has `quote_qty`, and always have a header row. */
export const tradesCsv: CsvSchema = {
  ...usdm.trades.csv,
  columns: usdm.trades.csv.columns.map((c) => (c.name === "quote_qty" ? { ...c, name: "base_qty" } : c)),
  header: "always",
  note: "COIN-M trades carry base_qty (USD-M: quote_qty). Booleans are written true/false.",
};

/** Same columns as USD-M's; COIN-M's files exist for a known window. */
export const liquidationSnapshotCsv: CsvSchema = {
  ...usdm.liquidationSnapshot.csv,
  note: "Every liquidation event appears twice (deduplicate). Published 2023-06-25 ... 2024-10-14 only.",
};
