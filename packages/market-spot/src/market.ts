// The spot market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { spotMatrix } from "./matrix.js";

export const spotMarket: MarketPlugin = defineMarket({
  id: "spot",
  label: "Spot",
  matrix: spotMatrix,
  // Spot's CHECKSUM sidecars are the only ones without a final newline.
  replica: { dialect: "spot", checksumNewline: false, sampleSymbols: ["BTCUSDT", "ETHUSDT"] },
});
