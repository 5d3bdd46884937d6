// The COIN-M futures market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { futuresCmMatrix } from "./matrix.js";

export const futuresCmMarket: MarketPlugin = defineMarket({
  id: "futures_cm",
  label: "COIN-M futures",
  matrix: futuresCmMatrix,
});
