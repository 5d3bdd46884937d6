// The options market plugin: its matrix fragment and symbol aliases, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { optionsMatrix, optionsSymbolAliases } from "./matrix.js";

export const optionsMarket: MarketPlugin = defineMarket({
  id: "options",
  label: "Options",
  matrix: optionsMatrix,
  symbolAliases: optionsSymbolAliases,
  // BVOLIndex takes BTCBVOLUSDT, EOHSummary takes BTCUSDT.
  replica: { dialect: "options", checksumNewline: true, sampleSymbols: ["BTCBVOLUSDT", "BTCUSDT"] },
});
