// The COIN-M futures matrix fragment (docs/archive.md §2–§3): USD-M's data types plus liquidationSnapshot.
import type { DataTypeSpec, MarketMatrix } from "@crypto-lakehouse/core";
import { futuresDataTypes as usdm } from "@crypto-lakehouse/market-futures-um";
import { liquidationSnapshotCsv, tradesCsv } from "./csv.js";

/**
 * A USD-M kline-class type with a narrower symbol pattern. Fields are listed in the matrix file's order
 * (symbolPattern before description), so matrix/archive-matrix.json stays as it was.
 */
function narrowed(base: DataTypeSpec, symbolPattern: string, description: string): DataTypeSpec {
  const { partitions, keyShape, intervals, csv } = base;
  return { partitions, keyShape, intervals, symbolPattern, description, csv };
}

export const futuresCmMatrix: MarketMatrix = {
  archivePath: "futures/cm",
  symbolPattern: "^[A-Z0-9]{2,30}(_[A-Z0-9]{1,20})?$",
  // COIN-M futures launched on 2020-08-10.
  firstDate: "2020-08-01",
  description:
    "COIN-M futures (data/futures/cm): perpetuals like BTCUSD_PERP, delivery contracts like BTCUSD_230331;" +
    " index price klines use the bare pair (ETHUSD).",
  dataTypes: {
    ...usdm,
    indexPriceKlines: narrowed(
      usdm.indexPriceKlines,
      // The index belongs to the pair, so the archive files it under the bare pair: ETHUSD, not ETHUSD_PERP.
      "^[A-Z0-9]{2,30}$",
      "Index price candlesticks per interval, filed under the bare pair (ETHUSD, not ETHUSD_PERP).",
    ),
    liquidationSnapshot: {
      ...usdm.liquidationSnapshot,
      windows: { daily: { from: "2023-06-25", to: "2024-10-14" } },
      description: "Liquidation orders (COIN-M only; published 2023-06-25 … 2024-10-14).",
      csv: liquidationSnapshotCsv,
    },
    premiumIndexKlines: narrowed(
      usdm.premiumIndexKlines,
      // Only perpetuals have a premium index.
      "^[A-Z0-9]{2,30}_PERP$",
      "Premium index candlesticks per interval, perpetuals only (BTCUSD_PERP).",
    ),
    trades: { ...usdm.trades, csv: tradesCsv },
  },
};
