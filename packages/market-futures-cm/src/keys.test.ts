// Table-driven key tests for COIN-M futures: every data type × partition × interval the matrix allows has
// docs/archive.md's key shape and round-trips through parseKey; keys of any other shape are rejected.
import { describeFuturesKeys } from "../../market-futures-um/src/futures.test-util.js";
import { futuresCmMarket } from "./index.js";

describeFuturesKeys({
  label: "COIN-M",
  market: futuresCmMarket,
  id: "futures_cm",
  root: "data/futures/cm",
  period: { daily: "2024-01-15", monthly: "2024-01" },
  symbols: ["BTCUSD_PERP", "BTCUSD_230331", "ETHUSD"],
  examples: [
    [
      ["daily", "liquidationSnapshot", "BTCUSD_PERP", "2023-06-25"],
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2023-06-25.zip",
    ],
    [
      ["daily", "klines", "BTCUSD_PERP", "2025-07-15", "1m"],
      "data/futures/cm/daily/klines/BTCUSD_PERP/1m/BTCUSD_PERP-1m-2025-07-15.zip",
    ],
    [
      ["monthly", "klines", "BTCUSD_230331", "2023-03", "1w"],
      "data/futures/cm/monthly/klines/BTCUSD_230331/1w/BTCUSD_230331-1w-2023-03.zip",
    ],
    [
      ["daily", "indexPriceKlines", "ETHUSD", "2025-07-15", "1h"],
      "data/futures/cm/daily/indexPriceKlines/ETHUSD/1h/ETHUSD-1h-2025-07-15.zip",
    ],
    [
      ["monthly", "fundingRate", "BTCUSD_PERP", "2025-06"],
      "data/futures/cm/monthly/fundingRate/BTCUSD_PERP/BTCUSD_PERP-fundingRate-2025-06.zip",
    ],
    [
      ["daily", "metrics", "BTCUSD_PERP", "2025-07-15"],
      "data/futures/cm/daily/metrics/BTCUSD_PERP/BTCUSD_PERP-metrics-2025-07-15.zip",
    ],
  ],
  rejects: [
    [
      "a CHECKSUM sidecar",
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2024-01-15.zip.CHECKSUM",
    ],
    ["the USD-M root", "data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip"],
    [
      "an interval folder on a plain type",
      "data/futures/cm/daily/trades/BTCUSD_PERP/1m/BTCUSD_PERP-trades-2025-07-15.zip",
    ],
    [
      "klines without interval folder",
      "data/futures/cm/daily/klines/BTCUSD_PERP/BTCUSD_PERP-1m-2025-07-15.zip",
    ],
    [
      "a monthly period in a daily key",
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2024-01.zip",
    ],
    [
      "a daily period in a monthly key",
      "data/futures/cm/monthly/klines/BTCUSD_PERP/1d/BTCUSD_PERP-1d-2024-01-01.zip",
    ],
  ],
});
