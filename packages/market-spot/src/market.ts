// The spot market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { spotMatrix } from "./matrix.js";

export const spotMarket: MarketPlugin = defineMarket({
  id: "spot",
  label: "Spot",
  matrix: spotMatrix,
  replica: {
    dialect: "spot",
    // Spot's CHECKSUM sidecars are the only ones without a final newline.
    checksumNewline: false,
    sampleSymbols: ["BTCUSDT", "ETHUSDT"],
    // Binance regenerated the 1s klines in 2023 without updating their sidecars; any klines file stands in.
    staleChecksums: [{ dataType: "klines", interval: "1s" }, { dataType: "klines" }],
  },
});
