// Table-driven key tests for options: every data type the matrix allows has docs/archive.md's key shape and
// round-trips through parseKey; keys of any other shape are rejected.
import type { FileRef } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { optionsMarket } from "./index.js";

const market = optionsMarket;

/** Every file the matrix allows, for one symbol per data type. */
function allowedFiles(): FileRef[] {
  const symbols: Record<string, string[]> = {
    BVOLIndex: ["BTCBVOLUSDT", "ETHBVOLUSDT"],
    EOHSummary: ["BTCUSDT"],
  };
  const out: FileRef[] = [];
  for (const [dataType, spec] of Object.entries(market.matrix.dataTypes)) {
    for (const partition of spec.partitions) {
      const period = partition === "daily" ? "2023-07-15" : "2023-07";
      for (const symbol of symbols[dataType] ?? ["XYZ"]) {
        out.push({ market: "options", partition, dataType, symbol, period });
      }
    }
  }
  return out;
}

describe("options fileKey/parseKey over the whole matrix", () => {
  const files = allowedFiles();

  it("covers both data types, daily only", () => {
    expect(files.map((f) => `${f.partition}/${f.dataType}`).sort()).toEqual([
      "daily/BVOLIndex",
      "daily/BVOLIndex",
      "daily/EOHSummary",
    ]);
  });

  it.each(
    files.map(
      (f) =>
        [`data/option/daily/${f.dataType}/${f.symbol}/${f.symbol}-${f.dataType}-${f.period}.zip`, f] as const,
    ),
  )("%s", (expected, f) => {
    const key = market.fileKey(f);
    expect(key).toBe(expected);
    expect(market.parseKey(key)).toEqual({ ...f, key });
    expect(market.parseKey(`${key}.CHECKSUM`)).toBeUndefined();
  });

  it("produces docs/archive.md's examples", () => {
    const bvol: FileRef = {
      market: "options",
      partition: "daily",
      dataType: "BVOLIndex",
      symbol: "BTCBVOLUSDT",
      period: "2025-07-15",
    };
    expect(market.fileKey(bvol)).toBe(
      "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip",
    );
    const eoh: FileRef = {
      market: "options",
      partition: "daily",
      dataType: "EOHSummary",
      symbol: "ETHUSDT",
      period: "2023-05-18",
    };
    expect(market.fileKey(eoh)).toBe(
      "data/option/daily/EOHSummary/ETHUSDT/ETHUSDT-EOHSummary-2023-05-18.zip",
    );
    expect(market.dataTypePrefix("daily", "BVOLIndex")).toBe("data/option/daily/BVOLIndex/");
  });
});

describe("options parseKey rejects other shapes", () => {
  it.each([
    [
      "a CHECKSUM sidecar",
      "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip.CHECKSUM",
    ],
    [
      "the specification's options root",
      "data/options/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip",
    ],
    [
      "a BVOLIndex interval folder",
      "data/option/daily/BVOLIndex/BTCBVOLUSDT/1m/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip",
    ],
    [
      "a monthly period in a daily key",
      "data/option/daily/EOHSummary/BTCUSDT/BTCUSDT-EOHSummary-2023-07.zip",
    ],
    ["an unknown data type", "data/option/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2023-07-15.zip"],
  ])("%s: %s", (_why, key) => {
    expect(market.parseKey(key)).toBeUndefined();
  });
});
