// The USD-M futures matrix fragment (docs/archive.md §2–§3), including the known windows of retired datasets.
import type { DataTypeSpec, MarketMatrix, Partition } from "@crypto-lakehouse/core";
import {
  aggTradesCsv,
  bookDepthCsv,
  bookTickerCsv,
  fundingRateCsv,
  klinesCsv,
  liquidationSnapshotCsv,
  metricsCsv,
  tradesCsv,
} from "./csv.js";

const COMMON_INTERVALS = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"];

/** Futures have no `1s`; `3d 1w 1mo` exist in monthly files only (month is `1mo`, never `1M`). */
const FUTURES_INTERVALS = { daily: COMMON_INTERVALS, monthly: [...COMMON_INTERVALS, "3d", "1w", "1mo"] };

const BOTH: Partition[] = ["daily", "monthly"];

/**
 * USD-M's data types. COIN-M (market-futures-cm) publishes the same list and builds its fragment from this,
 * overriding what differs there (trades, liquidationSnapshot, the symbols of two kline-class types).
 */
export const futuresDataTypes = {
  aggTrades: {
    partitions: BOTH,
    keyShape: "plain",
    description: "Aggregated trades: fills at one price from one taker order, merged into one row.",
    csv: aggTradesCsv,
  },
  bookDepth: {
    partitions: ["daily"],
    keyShape: "plain",
    description:
      "Order-book depth snapshots: cumulative depth and notional per percentage band from the best price.",
    csv: bookDepthCsv,
  },
  bookTicker: {
    partitions: BOTH,
    keyShape: "plain",
    windows: {
      daily: { to: "2024-03-30", note: "Binance stopped publishing bookTicker after 2024-03-30." },
      monthly: { to: "2024-04-01", note: "The last monthly bookTicker file is 2024-04." },
    },
    description: "Best bid/ask updates (retired: no files after 2024-03-30 daily / 2024-04 monthly).",
    csv: bookTickerCsv,
  },
  fundingRate: {
    partitions: ["monthly"],
    keyShape: "plain",
    description: "Funding rate at each funding time (monthly files only).",
    csv: fundingRateCsv,
  },
  indexPriceKlines: {
    partitions: BOTH,
    keyShape: "interval",
    intervals: FUTURES_INTERVALS,
    description: "Index price candlesticks per interval; the file name omits the data type.",
    csv: klinesCsv,
  },
  klines: {
    partitions: BOTH,
    keyShape: "interval",
    intervals: FUTURES_INTERVALS,
    description: "Trade price candlesticks (OHLCV) per interval; the file name omits the data type.",
    csv: klinesCsv,
  },
  liquidationSnapshot: {
    partitions: ["daily"],
    keyShape: "plain",
    windows: {
      daily: {
        empty: true,
        note: "USD-M liquidationSnapshot lists no keys any more; COIN-M still has some.",
      },
    },
    description: "Liquidation orders (USD-M: withdrawn from the archive, the folder holds no files).",
    csv: liquidationSnapshotCsv,
  },
  markPriceKlines: {
    partitions: BOTH,
    keyShape: "interval",
    intervals: FUTURES_INTERVALS,
    description: "Mark price candlesticks per interval; the file name omits the data type.",
    csv: klinesCsv,
  },
  metrics: {
    partitions: ["daily"],
    keyShape: "plain",
    description: "Open interest and long/short ratios on a 5-minute grid (daily files only).",
    csv: metricsCsv,
  },
  premiumIndexKlines: {
    partitions: BOTH,
    keyShape: "interval",
    intervals: FUTURES_INTERVALS,
    description: "Premium index candlesticks per interval; the file name omits the data type.",
    csv: klinesCsv,
  },
  trades: {
    partitions: BOTH,
    keyShape: "plain",
    description: "Every individual trade.",
    csv: tradesCsv,
  },
} satisfies Record<string, DataTypeSpec>;

export const futuresUmMatrix: MarketMatrix = {
  archivePath: "futures/um",
  symbolPattern: "^[A-Z0-9]{2,30}(_[A-Z0-9]{1,20})?$",
  // USD-M futures launched on 2019-09-08.
  firstDate: "2019-09-01",
  description:
    "USD-M futures (data/futures/um): perpetuals like BTCUSDT, delivery contracts like BTCUSDT_230331," +
    " settled contracts like ICPUSDT_SETTLED.",
  dataTypes: futuresDataTypes,
};
