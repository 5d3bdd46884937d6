// Table-driven key tests for USD-M futures: every data type × partition × interval the matrix allows has
// docs/archive.md's key shape and round-trips through parseKey; keys of any other shape are rejected.
import { describe, expect, it } from "vitest";
import { describeFuturesKeys } from "./futures.test-util.js";
import { futuresUmMarket } from "./index.js";

const market = futuresUmMarket;

describeFuturesKeys({
  label: "USD-M",
  market,
  id: "futures_um",
  root: "data/futures/um",
  period: { daily: "2025-07-15", monthly: "2025-06" },
  symbols: ["BTCUSDT", "BTCUSDT_230331", "ICPUSDT_SETTLED"],
  examples: [
    [
      ["monthly", "markPriceKlines", "BTCUSDT", "2025-06", "1h"],
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-06.zip",
    ],
    [
      ["monthly", "fundingRate", "BTCUSDT", "2025-06"],
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-06.zip",
    ],
    [
      ["daily", "klines", "BTCUSDT_230331", "2023-03-01", "5m"],
      "data/futures/um/daily/klines/BTCUSDT_230331/5m/BTCUSDT_230331-5m-2023-03-01.zip",
    ],
    [
      ["daily", "premiumIndexKlines", "BTCUSDT", "2025-07-15", "1m"],
      "data/futures/um/daily/premiumIndexKlines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip",
    ],
    [
      ["monthly", "indexPriceKlines", "BTCUSDT", "2025-06", "1mo"],
      "data/futures/um/monthly/indexPriceKlines/BTCUSDT/1mo/BTCUSDT-1mo-2025-06.zip",
    ],
    [
      ["daily", "bookDepth", "BTCUSDT", "2025-07-15"],
      "data/futures/um/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2025-07-15.zip",
    ],
    [
      ["daily", "metrics", "BTCUSDT", "2025-07-15"],
      "data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-07-15.zip",
    ],
    [
      ["monthly", "bookTicker", "BTCUSDT", "2024-04"],
      "data/futures/um/monthly/bookTicker/BTCUSDT/BTCUSDT-bookTicker-2024-04.zip",
    ],
    [
      ["daily", "aggTrades", "ICPUSDT_SETTLED", "2022-09-01"],
      "data/futures/um/daily/aggTrades/ICPUSDT_SETTLED/ICPUSDT_SETTLED-aggTrades-2022-09-01.zip",
    ],
  ],
  rejects: [
    [
      "a CHECKSUM sidecar",
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-06.zip.CHECKSUM",
    ],
    ["the COIN-M root", "data/futures/cm/daily/klines/BTCUSD_PERP/1m/BTCUSD_PERP-1m-2025-07-15.zip"],
    ["the spot root", "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip"],
    [
      "an interval folder on a plain type",
      "data/futures/um/daily/bookDepth/BTCUSDT/1m/BTCUSDT-bookDepth-2025-07-15.zip",
    ],
    [
      "markPriceKlines without interval folder",
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/BTCUSDT-1h-2025-06.zip",
    ],
    [
      "kline file named with its data type",
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-markPriceKlines-1h-2025-06.zip",
    ],
    [
      "a daily period in a monthly key",
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-06-01.zip",
    ],
    ["a monthly period in a daily key", "data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-07.zip"],
    [
      "the specification's premiumIndex",
      "data/futures/um/daily/premiumIndex/BTCUSDT/BTCUSDT-premiumIndex-2025-07-15.zip",
    ],
    [
      "a symbol differing from its folder",
      "data/futures/um/daily/trades/BTCUSDT/ETHUSDT-trades-2025-07-15.zip",
    ],
  ],
});

describe("USD-M listing prefixes", () => {
  it("gives the listing prefixes", () => {
    expect(market.dataTypePrefix("monthly", "fundingRate")).toBe("data/futures/um/monthly/fundingRate/");
    expect(market.symbolPrefix("daily", "markPriceKlines", "BTCUSDT", "1h")).toBe(
      "data/futures/um/daily/markPriceKlines/BTCUSDT/1h/",
    );
  });
});
