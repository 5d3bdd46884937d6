// The USD-M futures market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { futuresUmMatrix } from "./matrix.js";

export const futuresUmMarket: MarketPlugin = defineMarket({
  id: "futures_um",
  label: "USD-M futures",
  matrix: futuresUmMatrix,
  replica: { dialect: "usd-m", checksumNewline: true, sampleSymbols: ["BTCUSDT", "ETHUSDT"] },
});
