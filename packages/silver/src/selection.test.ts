// Selections: globs, intervals, partitions, date overlap, archive spellings of symbols, and a collect request's mapping.
import type { CollectionRequest } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_MARKETS } from "./markets.js";
import { compileSelection, selectionFromRequest } from "./selection.js";
import type { BronzeSource } from "./types.js";

const file = (o: Partial<BronzeSource>): BronzeSource => ({
  market: "spot",
  partition: "daily",
  dataType: "klines",
  symbol: "BTCUSDT",
  interval: "1h",
  period: "2025-01-01",
  key: "",
  bronzeKey: "",
  size: 1,
  ...o,
});

describe("compileSelection", () => {
  it("filters by symbol glob, interval (1M = 1mo), partition and date overlap", () => {
    const f = compileSelection({
      symbols: ["BTC*"],
      intervals: ["1h", "1M"],
      partitions: ["monthly"],
      start: "2025-01-15",
      end: "2025-02-10",
    });
    expect(f.file(file({ partition: "monthly", period: "2025-01" }))).toBe(true);
    expect(f.file(file({ partition: "monthly", period: "2025-01", interval: "1mo" }))).toBe(true);
    expect(f.file(file({ partition: "monthly", period: "2024-12" }))).toBe(false);
    expect(f.file(file({ partition: "monthly", period: "2025-01", symbol: "ETHUSDT" }))).toBe(false);
    expect(f.file(file({ partition: "monthly", period: "2025-01", interval: "1d" }))).toBe(false);
    expect(f.file(file({ period: "2025-01-20" }))).toBe(false);
  });

  it("matches an exact symbol in the archive's spelling for the data type", () => {
    const f = compileSelection({ symbols: ["BTC"] }, DEFAULT_MARKETS);
    expect(
      f.file(file({ market: "options", dataType: "BVOLIndex", symbol: "BTCBVOLUSDT", interval: undefined })),
    ).toBe(true);
    expect(f.file(file({ symbol: "BTCUSDT" }))).toBe(false);
  });

  it("rejects impossible dates", () => {
    expect(() => compileSelection({ start: "2025-02-30" })).toThrow(/not a date/);
    expect(() => compileSelection({ start: "2025-03-01", end: "2025-02-01" })).toThrow(/after/);
  });
});

describe("selectionFromRequest", () => {
  it("maps a collect request onto the silver selection of what it collected", () => {
    const request: CollectionRequest = {
      markets: [
        {
          market: "spot",
          dataTypes: [{ dataType: "klines", intervals: ["1m", "1h"] }],
          symbols: ["BTCUSDT"],
          patterns: ["ETH*"],
        },
        { market: "options", dataTypes: [{ dataType: "BVOLIndex" }], symbols: ["BTC"], patterns: [] },
      ],
      start: "2025-01-01",
      end: "2025-01-31",
      partitions: "auto",
      notes: [],
    };
    const sel = selectionFromRequest(request, DEFAULT_MARKETS);
    expect(sel).toEqual({
      markets: ["spot", "options"],
      dataTypes: ["klines", "BVOLIndex"],
      symbols: ["ETH*", "BTCUSDT", "BTCBVOLUSDT"],
      intervals: ["1m", "1h"],
      start: "2025-01-01",
      end: "2025-01-31",
    });
  });
});
