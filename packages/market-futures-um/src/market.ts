// The USD-M futures market plugin: its matrix fragment, with key and symbol rules derived by core.
import {
  defineMarket,
  type MarketPlugin,
  type ReplicaFormat,
  type SilverFormat,
} from "@crypto-lakehouse/core";
import { futuresUmMatrix } from "./matrix.js";

/**
 * Futures data types whose rows the archive writes twice (docs/archive.md §6): every liquidation event, and the
 * metrics rows of files dated 2020-09 … 2021-05. COIN-M shares them.
 */
export const futuresDuplicatedRows = {
  liquidationSnapshot: {},
  metrics: { from: "2020-09-01", to: "2021-05-31" },
} as const satisfies ReplicaFormat["duplicatedRows"];

/**
 * The futures types whose files are small, so silver drops rows repeated exactly (metrics and liquidation events,
 * which the archive writes twice, among them). COIN-M shares them.
 */
export const futuresSilver = {
  distinctRows: {
    metrics: { repeats: "every row appears twice in files dated 2020-09 … 2021-05" },
    liquidationSnapshot: { repeats: "every event appears twice" },
    fundingRate: {},
    bookDepth: {},
  },
} as const satisfies SilverFormat;

export const futuresUmMarket: MarketPlugin = defineMarket({
  id: "futures_um",
  label: "USD-M futures",
  matrix: futuresUmMatrix,
  replica: {
    dialect: "usd-m",
    checksumNewline: true,
    sampleSymbols: ["BTCUSDT", "ETHUSDT"],
    duplicatedRows: futuresDuplicatedRows,
  },
  silver: futuresSilver,
});
