// Table-driven key tests for spot: every data type × partition × interval the matrix allows has docs/archive.md's key
// shape and round-trips through parseKey; keys of any other shape are rejected.
import type { FileRef, Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { spotMarket } from "./index.js";

const PERIOD: Record<Partition, string> = { daily: "2025-07-15", monthly: "2025-06" };

/** Every file the matrix allows, for one symbol. */
function allowedFiles(symbol: string): FileRef[] {
  const out: FileRef[] = [];
  for (const [dataType, spec] of Object.entries(spotMarket.matrix.dataTypes)) {
    for (const partition of spec.partitions) {
      const period = PERIOD[partition];
      if (spec.keyShape === "interval") {
        for (const interval of spec.intervals?.[partition] ?? []) {
          out.push({ market: "spot", partition, dataType, symbol, interval, period });
        }
      } else out.push({ market: "spot", partition, dataType, symbol, period });
    }
  }
  return out;
}

/** The key docs/archive.md §2 describes, written out independently of core's key rules. */
function archiveKey(f: FileRef): string {
  const dir = `data/spot/${f.partition}/${f.dataType}/${f.symbol}`;
  return f.interval
    ? `${dir}/${f.interval}/${f.symbol}-${f.interval}-${f.period}.zip`
    : `${dir}/${f.symbol}-${f.dataType}-${f.period}.zip`;
}

describe("spot fileKey/parseKey over the whole matrix", () => {
  const files = [...allowedFiles("BTCUSDT"), ...allowedFiles("1000SHIBUSDT")];

  it("covers every data type, partition and interval (3 types; klines 13 daily + 16 monthly intervals)", () => {
    expect(files).toHaveLength(2 * (2 + 2 + 13 + 16));
  });

  it.each(files.map((f) => [archiveKey(f), f] as const))("%s", (expected, f) => {
    const key = spotMarket.fileKey(f);
    expect(key).toBe(expected);
    expect(spotMarket.parseKey(key)).toEqual({ ...f, key });
    expect(spotMarket.parseKey(`${key}.CHECKSUM`)).toBeUndefined();
  });
});

describe("spot keys: docs/archive.md examples", () => {
  const cases: [FileRef, string][] = [
    [
      {
        market: "spot",
        partition: "daily",
        dataType: "klines",
        symbol: "BTCUSDT",
        interval: "1m",
        period: "2025-07-15",
      },
      "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip",
    ],
    [
      {
        market: "spot",
        partition: "daily",
        dataType: "klines",
        symbol: "BTCUSDT",
        interval: "1s",
        period: "2023-03-01",
      },
      "data/spot/daily/klines/BTCUSDT/1s/BTCUSDT-1s-2023-03-01.zip",
    ],
    [
      {
        market: "spot",
        partition: "monthly",
        dataType: "klines",
        symbol: "BTCUSDT",
        interval: "1mo",
        period: "2024-04",
      },
      "data/spot/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-04.zip",
    ],
    [
      { market: "spot", partition: "daily", dataType: "aggTrades", symbol: "BTCUSDT", period: "2025-07-15" },
      "data/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2025-07-15.zip",
    ],
    [
      { market: "spot", partition: "monthly", dataType: "trades", symbol: "1000SHIBUSDT", period: "2025-06" },
      "data/spot/monthly/trades/1000SHIBUSDT/1000SHIBUSDT-trades-2025-06.zip",
    ],
  ];
  it.each(cases)("%o → %s", (f, key) => {
    expect(spotMarket.fileKey(f)).toBe(key);
    expect(spotMarket.parseKey(key)).toEqual({ ...f, key });
  });

  it("gives the listing prefixes", () => {
    expect(spotMarket.dataTypePrefix("daily", "klines")).toBe("data/spot/daily/klines/");
    expect(spotMarket.symbolPrefix("monthly", "klines", "BTCUSDT", "1h")).toBe(
      "data/spot/monthly/klines/BTCUSDT/1h/",
    );
    expect(spotMarket.symbolPrefix("daily", "trades", "BTCUSDT")).toBe("data/spot/daily/trades/BTCUSDT/");
  });
});

describe("spot parseKey rejects other shapes", () => {
  it.each([
    ["a CHECKSUM sidecar", "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip.CHECKSUM"],
    ["another market's root", "data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip"],
    ["no data/ root", "spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip"],
    ["an interval folder on a plain type", "data/spot/daily/trades/BTCUSDT/1m/BTCUSDT-trades-2025-07-15.zip"],
    ["klines without interval folder", "data/spot/daily/klines/BTCUSDT/BTCUSDT-1m-2025-07-15.zip"],
    ["klines named like a plain type", "data/spot/daily/klines/BTCUSDT/BTCUSDT-klines-2025-07-15.zip"],
    ["a monthly period in a daily key", "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07.zip"],
    ["a daily period in a monthly key", "data/spot/monthly/trades/BTCUSDT/BTCUSDT-trades-2025-07-15.zip"],
    ["a malformed date", "data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-20250715.zip"],
    ["an unknown partition", "data/spot/weekly/trades/BTCUSDT/BTCUSDT-trades-2025-07-15.zip"],
    ["an unknown data type", "data/spot/daily/bookTicker/BTCUSDT/BTCUSDT-bookTicker-2025-07-15.zip"],
    ["a symbol differing from its folder", "data/spot/daily/klines/BTCUSDT/1m/ETHUSDT-1m-2025-07-15.zip"],
    ["an interval differing from its folder", "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-5m-2025-07-15.zip"],
    [
      "a data type differing from its folder",
      "data/spot/daily/trades/BTCUSDT/BTCUSDT-aggTrades-2025-07-15.zip",
    ],
    ["a folder", "data/spot/daily/klines/BTCUSDT/1m/"],
  ])("%s: %s", (_why, key) => {
    expect(spotMarket.parseKey(key)).toBeUndefined();
  });
});
