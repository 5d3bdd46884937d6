// The options matrix fragment (docs/archive.md §2–§3): BVOLIndex and EOHSummary, daily files only.
import type { MarketMatrix } from "@crypto-lakehouse/core";
import { bvolIndexCsv, eohSummaryCsv } from "./csv.js";

export const optionsMatrix: MarketMatrix = {
  archivePath: "option",
  symbolPattern: "^[A-Z0-9]{2,30}$",
  // No options file predates 2020 (BVOLIndex and EOHSummary start much later).
  firstDate: "2020-01-01",
  description:
    "Options (data/option): BVOL volatility indices (BTCBVOLUSDT, ETHBVOLUSDT) and hourly option summaries" +
    " per underlying (BTCUSDT, ETHUSDT, BNBUSDT, XRPUSDT, DOGEUSDT). Daily files only.",
  dataTypes: {
    BVOLIndex: {
      partitions: ["daily"],
      keyShape: "plain",
      description:
        "Binance volatility index (BVOL) values, about one per second; symbols BTCBVOLUSDT, ETHBVOLUSDT.",
      csv: bvolIndexCsv,
    },
    EOHSummary: {
      partitions: ["daily"],
      keyShape: "plain",
      windows: { daily: { from: "2023-05-18", to: "2023-10-23" } },
      description:
        "End-of-hour summary of every option contract per underlying (published 2023-05-18 … 2023-10-23).",
      csv: eohSummaryCsv,
    },
  },
};

/**
 * The specification's example configs name options symbols by asset (`BTC`); the archive does not.
 * These aliases keep those configs working, with a note saying what the symbol became.
 */
export const optionsSymbolAliases: Record<string, Record<string, string>> = {
  BVOLIndex: { BTC: "BTCBVOLUSDT", ETH: "ETHBVOLUSDT" },
  EOHSummary: { BTC: "BTCUSDT", ETH: "ETHUSDT", BNB: "BNBUSDT", XRP: "XRPUSDT", DOGE: "DOGEUSDT" },
};
