// The COIN-M futures market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { futuresCmMatrix } from "./matrix.js";

export const futuresCmMarket: MarketPlugin = defineMarket({
  id: "futures_cm",
  label: "COIN-M futures",
  matrix: futuresCmMatrix,
  // Index price klines are per pair: a perpetual's name (the usual way to name a COIN-M symbol) means its pair.
  symbolRewrites: { indexPriceKlines: [{ pattern: "^([A-Z0-9]+)_PERP$", replacement: "$1" }] },
  // indexPriceKlines takes BTCUSD_PERP as its pair BTCUSD (the rewrite above).
  replica: { dialect: "coin-m", checksumNewline: true, sampleSymbols: ["BTCUSD_PERP"] },
});
