// A market plugin: pure data. This one is a curated view of USD-M futures (funding rates and mark-price
// klines only), stored in bronze under its own market id.
import { defineMarket } from "@crypto-lakehouse/core";

const INTERVALS = ["1h", "4h", "1d"];

export const umFundingMarket = defineMarket({
  id: "um_funding",
  label: "USD-M funding view",
  matrix: {
    archivePath: "futures/um",
    symbolPattern: "^[A-Z0-9]{2,30}$",
    description: "USD-M perpetual funding rates with their mark-price klines",
    dataTypes: {
      fundingRate: { partitions: ["monthly"], keyShape: "plain", description: "funding rate per settlement" },
      markPriceKlines: {
        partitions: ["daily", "monthly"],
        keyShape: "interval",
        intervals: { daily: INTERVALS, monthly: INTERVALS },
        description: "mark-price klines",
      },
    },
  },
});
