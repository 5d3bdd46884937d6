// The options market plugin: its matrix fragment and symbol aliases, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { optionsMatrix, optionsSymbolAliases } from "./matrix.js";

export const optionsMarket: MarketPlugin = defineMarket({
  id: "options",
  label: "Options",
  matrix: optionsMatrix,
  symbolAliases: optionsSymbolAliases,
  replica: {
    dialect: "options",
    checksumNewline: true,
    // BVOLIndex takes BTCBVOLUSDT, EOHSummary takes BTCUSDT.
    sampleSymbols: ["BTCBVOLUSDT", "BTCUSDT"],
    // Both types share one symbol pattern: BVOL indices and EOHSummary underlyings are told apart by name.
    symbolPatterns: { BVOLIndex: "BVOL", EOHSummary: "^(?!.*BVOL)" },
  },
  silver: {
    distinctRows: { BVOLIndex: {}, EOHSummary: {} },
    // EOHSummary's symbol column is the option contract (BTC-230519-27000-C); the file's symbol is the underlying.
    symbolColumns: { EOHSummary: "option_symbol" },
  },
});
