// The spot matrix fragment (docs/archive.md §2–§3): three data types, daily and monthly, klines with `1s`.
import type { MarketMatrix } from "@crypto-lakehouse/core";
import { aggTradesCsv, klinesCsv, tradesCsv } from "./csv.js";

const COMMON_INTERVALS = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"];

/** Kline folders: `1s` is spot only; `3d 1w 1mo` exist in monthly files only (month is `1mo`, never `1M`). */
export const SPOT_INTERVALS = {
  daily: ["1s", ...COMMON_INTERVALS],
  monthly: ["1s", ...COMMON_INTERVALS, "3d", "1w", "1mo"],
};

export const spotMatrix: MarketMatrix = {
  archivePath: "spot",
  symbolPattern: "^[A-Z0-9]{2,30}$",
  // Binance opened on 2017-07-14; the first spot files are from 2017-08.
  firstDate: "2017-07-01",
  description:
    "Spot (data/spot): trades, aggregated trades and klines per trading pair, e.g. BTCUSDT, 1000SHIBUSDT.",
  dataTypes: {
    aggTrades: {
      partitions: ["daily", "monthly"],
      keyShape: "plain",
      description: "Aggregated trades: fills at one price from one taker order, merged into one row.",
      csv: aggTradesCsv,
    },
    klines: {
      partitions: ["daily", "monthly"],
      keyShape: "interval",
      intervals: SPOT_INTERVALS,
      description: "Candlesticks (OHLCV) per interval; the file name omits the data type.",
      csv: klinesCsv,
    },
    trades: {
      partitions: ["daily", "monthly"],
      keyShape: "plain",
      description: "Every individual trade.",
      csv: tradesCsv,
    },
  },
};
