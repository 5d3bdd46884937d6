// The COIN-M futures market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { futuresDuplicatedRows, futuresSilver } from "@crypto-lakehouse/market-futures-um";
import { futuresCmMatrix } from "./matrix.js";

export const futuresCmMarket: MarketPlugin = defineMarket({
  id: "futures_cm",
  label: "COIN-M futures",
  matrix: futuresCmMatrix,
  // Index price klines are per pair: a perpetual's name (the usual way to name a COIN-M symbol) means its pair.
  symbolRewrites: { indexPriceKlines: [{ pattern: "^([A-Z0-9]+)_PERP$", replacement: "$1" }] },
  replica: {
    dialect: "coin-m",
    checksumNewline: true,
    // indexPriceKlines takes BTCUSD_PERP as its pair BTCUSD (the rewrite above).
    sampleSymbols: ["BTCUSD_PERP"],
    // A replica files any contract's index price klines under its pair (BTCUSD_230331 → BTCUSD).
    symbolRewrites: { indexPriceKlines: [{ pattern: "_[A-Z0-9]+$", replacement: "" }] },
    duplicatedRows: futuresDuplicatedRows,
  },
  silver: futuresSilver,
});
