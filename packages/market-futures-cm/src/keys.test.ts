// Table-driven key tests for COIN-M futures: every data type × partition × interval the matrix allows has
// ARCHIVE.md's key shape and round-trips through parseKey; keys of any other shape are rejected.
import type { FileRef, Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { futuresCmMarket } from "./index.js";

const market = futuresCmMarket;
const PERIOD: Record<Partition, string> = { daily: "2024-01-15", monthly: "2024-01" };

/** Every file the matrix allows, for one symbol. */
function allowedFiles(symbol: string): FileRef[] {
  const out: FileRef[] = [];
  for (const [dataType, spec] of Object.entries(market.matrix.dataTypes)) {
    for (const partition of spec.partitions) {
      const period = PERIOD[partition];
      if (spec.keyShape === "interval") {
        for (const interval of spec.intervals?.[partition] ?? []) {
          out.push({ market: "futures_cm", partition, dataType, symbol, interval, period });
        }
      } else out.push({ market: "futures_cm", partition, dataType, symbol, period });
    }
  }
  return out;
}

/** The key ARCHIVE.md §2 describes, written out independently of core's key rules. */
function archiveKey(f: FileRef): string {
  const dir = `data/futures/cm/${f.partition}/${f.dataType}/${f.symbol}`;
  return f.interval
    ? `${dir}/${f.interval}/${f.symbol}-${f.interval}-${f.period}.zip`
    : `${dir}/${f.symbol}-${f.dataType}-${f.period}.zip`;
}

describe("COIN-M fileKey/parseKey over the whole matrix", () => {
  const files = [...allowedFiles("BTCUSD_PERP"), ...allowedFiles("BTCUSD_230331"), ...allowedFiles("ETHUSD")];

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

describe("COIN-M keys: ARCHIVE.md examples", () => {
  const f = (
    partition: Partition,
    dataType: string,
    symbol: string,
    period: string,
    interval?: string,
  ): FileRef =>
    interval
      ? { market: "futures_cm", partition, dataType, symbol, interval, period }
      : { market: "futures_cm", partition, dataType, symbol, period };
  const cases: [FileRef, string][] = [
    [
      f("daily", "liquidationSnapshot", "BTCUSD_PERP", "2023-06-25"),
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2023-06-25.zip",
    ],
    [
      f("daily", "klines", "BTCUSD_PERP", "2025-07-15", "1m"),
      "data/futures/cm/daily/klines/BTCUSD_PERP/1m/BTCUSD_PERP-1m-2025-07-15.zip",
    ],
    [
      f("monthly", "klines", "BTCUSD_230331", "2023-03", "1w"),
      "data/futures/cm/monthly/klines/BTCUSD_230331/1w/BTCUSD_230331-1w-2023-03.zip",
    ],
    [
      f("daily", "indexPriceKlines", "ETHUSD", "2025-07-15", "1h"),
      "data/futures/cm/daily/indexPriceKlines/ETHUSD/1h/ETHUSD-1h-2025-07-15.zip",
    ],
    [
      f("monthly", "fundingRate", "BTCUSD_PERP", "2025-06"),
      "data/futures/cm/monthly/fundingRate/BTCUSD_PERP/BTCUSD_PERP-fundingRate-2025-06.zip",
    ],
    [
      f("daily", "metrics", "BTCUSD_PERP", "2025-07-15"),
      "data/futures/cm/daily/metrics/BTCUSD_PERP/BTCUSD_PERP-metrics-2025-07-15.zip",
    ],
  ];
  it.each(cases)("%o → %s", (file, key) => {
    expect(market.fileKey(file)).toBe(key);
    expect(market.parseKey(key)).toEqual({ ...file, key });
  });
});

describe("COIN-M parseKey rejects other shapes", () => {
  it.each([
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
  ])("%s: %s", (_why, key) => {
    expect(market.parseKey(key)).toBeUndefined();
  });
});
