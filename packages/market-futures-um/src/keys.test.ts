// Table-driven key tests for USD-M futures: every data type × partition × interval the matrix allows has
// ARCHIVE.md's key shape and round-trips through parseKey; keys of any other shape are rejected.
import type { FileRef, Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { futuresUmMarket } from "./index.js";

const market = futuresUmMarket;
const PERIOD: Record<Partition, string> = { daily: "2025-07-15", monthly: "2025-06" };

/** Every file the matrix allows, for one symbol. */
function allowedFiles(symbol: string): FileRef[] {
  const out: FileRef[] = [];
  for (const [dataType, spec] of Object.entries(market.matrix.dataTypes)) {
    for (const partition of spec.partitions) {
      const period = PERIOD[partition];
      if (spec.keyShape === "interval") {
        for (const interval of spec.intervals?.[partition] ?? []) {
          out.push({ market: "futures_um", partition, dataType, symbol, interval, period });
        }
      } else out.push({ market: "futures_um", partition, dataType, symbol, period });
    }
  }
  return out;
}

/** The key ARCHIVE.md §2 describes, written out independently of core's key rules. */
function archiveKey(f: FileRef): string {
  const dir = `data/futures/um/${f.partition}/${f.dataType}/${f.symbol}`;
  return f.interval
    ? `${dir}/${f.interval}/${f.symbol}-${f.interval}-${f.period}.zip`
    : `${dir}/${f.symbol}-${f.dataType}-${f.period}.zip`;
}

describe("USD-M fileKey/parseKey over the whole matrix", () => {
  const files = [
    ...allowedFiles("BTCUSDT"),
    ...allowedFiles("BTCUSDT_230331"),
    ...allowedFiles("ICPUSDT_SETTLED"),
  ];

  it("covers every data type, partition and interval", () => {
    // 4 kline-class types × (12 daily + 15 monthly) + plain: aggTrades 2, bookDepth 1, bookTicker 2,
    // fundingRate 1, liquidationSnapshot 1, metrics 1, trades 2.
    expect(files).toHaveLength(3 * (4 * 27 + 10));
  });

  it.each(files.map((f) => [archiveKey(f), f] as const))("%s", (expected, f) => {
    const key = market.fileKey(f);
    expect(key).toBe(expected);
    expect(market.parseKey(key)).toEqual({ ...f, key });
    expect(market.parseKey(`${key}.CHECKSUM`)).toBeUndefined();
  });
});

describe("USD-M keys: ARCHIVE.md examples", () => {
  const f = (
    partition: Partition,
    dataType: string,
    symbol: string,
    period: string,
    interval?: string,
  ): FileRef =>
    interval
      ? { market: "futures_um", partition, dataType, symbol, interval, period }
      : { market: "futures_um", partition, dataType, symbol, period };
  const cases: [FileRef, string][] = [
    [
      f("monthly", "markPriceKlines", "BTCUSDT", "2025-06", "1h"),
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-06.zip",
    ],
    [
      f("monthly", "fundingRate", "BTCUSDT", "2025-06"),
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-06.zip",
    ],
    [
      f("daily", "klines", "BTCUSDT_230331", "2023-03-01", "5m"),
      "data/futures/um/daily/klines/BTCUSDT_230331/5m/BTCUSDT_230331-5m-2023-03-01.zip",
    ],
    [
      f("daily", "premiumIndexKlines", "BTCUSDT", "2025-07-15", "1m"),
      "data/futures/um/daily/premiumIndexKlines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip",
    ],
    [
      f("monthly", "indexPriceKlines", "BTCUSDT", "2025-06", "1mo"),
      "data/futures/um/monthly/indexPriceKlines/BTCUSDT/1mo/BTCUSDT-1mo-2025-06.zip",
    ],
    [
      f("daily", "bookDepth", "BTCUSDT", "2025-07-15"),
      "data/futures/um/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2025-07-15.zip",
    ],
    [
      f("daily", "metrics", "BTCUSDT", "2025-07-15"),
      "data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-07-15.zip",
    ],
    [
      f("monthly", "bookTicker", "BTCUSDT", "2024-04"),
      "data/futures/um/monthly/bookTicker/BTCUSDT/BTCUSDT-bookTicker-2024-04.zip",
    ],
    [
      f("daily", "aggTrades", "ICPUSDT_SETTLED", "2022-09-01"),
      "data/futures/um/daily/aggTrades/ICPUSDT_SETTLED/ICPUSDT_SETTLED-aggTrades-2022-09-01.zip",
    ],
  ];
  it.each(cases)("%o → %s", (file, key) => {
    expect(market.fileKey(file)).toBe(key);
    expect(market.parseKey(key)).toEqual({ ...file, key });
  });

  it("gives the listing prefixes", () => {
    expect(market.dataTypePrefix("monthly", "fundingRate")).toBe("data/futures/um/monthly/fundingRate/");
    expect(market.symbolPrefix("daily", "markPriceKlines", "BTCUSDT", "1h")).toBe(
      "data/futures/um/daily/markPriceKlines/BTCUSDT/1h/",
    );
  });
});

describe("USD-M parseKey rejects other shapes", () => {
  it.each([
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
  ])("%s: %s", (_why, key) => {
    expect(market.parseKey(key)).toBeUndefined();
  });
});
