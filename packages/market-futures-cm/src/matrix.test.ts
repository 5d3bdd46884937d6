// COIN-M matrix facts from ARCHIVE.md §3 and §6, written out literally so a wrong fragment fails here.
import type { Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { futuresCmMarket } from "./index.js";

const { dataTypes } = futuresCmMarket.matrix;
const COMMON = "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d".split(" ");
const KLINE_CLASS = ["indexPriceKlines", "klines", "markPriceKlines", "premiumIndexKlines"];
const typesIn = (p: Partition) =>
  Object.entries(dataTypes)
    .filter(([, s]) => s.partitions.includes(p))
    .map(([n]) => n)
    .sort();

describe("COIN-M futures matrix", () => {
  it("is the futures_cm market at data/futures/cm", () => {
    expect(futuresCmMarket.id).toBe("futures_cm");
    expect(futuresCmMarket.matrix.archivePath).toBe("futures/cm");
  });

  it("publishes USD-M's daily list plus liquidationSnapshot (with metrics, which the specification omits)", () => {
    expect(typesIn("daily")).toEqual([
      "aggTrades",
      "bookDepth",
      "bookTicker",
      "indexPriceKlines",
      "klines",
      "liquidationSnapshot",
      "markPriceKlines",
      "metrics",
      "premiumIndexKlines",
      "trades",
    ]);
  });

  it("publishes the same monthly list as USD-M", () => {
    expect(typesIn("monthly")).toEqual([
      "aggTrades",
      "bookTicker",
      "fundingRate",
      "indexPriceKlines",
      "klines",
      "markPriceKlines",
      "premiumIndexKlines",
      "trades",
    ]);
  });

  it("has fundingRate monthly only; bookDepth, metrics, liquidationSnapshot daily only", () => {
    expect(dataTypes.fundingRate!.partitions).toEqual(["monthly"]);
    for (const dt of ["bookDepth", "metrics", "liquidationSnapshot"])
      expect(dataTypes[dt]!.partitions).toEqual(["daily"]);
  });

  it("gives the four kline-class types interval folders: no 1s, 3d/1w/1mo monthly only", () => {
    for (const dt of KLINE_CLASS) {
      expect(dataTypes[dt]!.keyShape).toBe("interval");
      expect(dataTypes[dt]!.intervals).toEqual({ daily: COMMON, monthly: [...COMMON, "3d", "1w", "1mo"] });
    }
    for (const [dt, spec] of Object.entries(dataTypes)) {
      if (KLINE_CLASS.includes(dt)) continue;
      expect(spec.keyShape, dt).toBe("plain");
      expect(spec.intervals, dt).toBeUndefined();
    }
  });

  it("knows liquidationSnapshot's window 2023-06-25 … 2024-10-14 and bookTicker's end", () => {
    expect(dataTypes.liquidationSnapshot!.windows?.daily).toMatchObject({
      from: "2023-06-25",
      to: "2024-10-14",
    });
    expect(dataTypes.liquidationSnapshot!.windows?.daily?.empty).toBeUndefined();
    expect(dataTypes.bookTicker!.windows?.daily).toMatchObject({ to: "2024-03-30" });
    expect(dataTypes.bookTicker!.windows?.monthly).toMatchObject({ to: "2024-04-01" });
  });

  it("describes every type and gives it a CSV schema", () => {
    for (const [dt, spec] of Object.entries(dataTypes)) {
      expect(spec.description, dt).toMatch(/\w{3}/);
      expect(spec.csv, dt).toBeDefined();
    }
  });
});

describe("COIN-M CSV schemas (ARCHIVE.md §6)", () => {
  const columns = (dt: string) => dataTypes[dt]!.csv!.columns.map((c) => c.name).join(",");

  it("has base_qty trades with a header row", () => {
    expect(columns("trades")).toBe("id,price,qty,base_qty,time,is_buyer_maker");
    expect(dataTypes.trades!.csv!.header).toBe("always");
  });

  it("has liquidationSnapshot's ten columns, noting the duplicated events", () => {
    expect(columns("liquidationSnapshot")).toBe(
      "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status," +
        "last_fill_quantity,accumulated_fill_quantity",
    );
    expect(dataTypes.liquidationSnapshot!.csv!.note).toMatch(/twice/);
  });

  it("shares the futures kline layout across the four kline-class types", () => {
    for (const dt of KLINE_CLASS) {
      expect(columns(dt)).toBe(
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore",
      );
      expect(dataTypes[dt]!.csv!.header).toBe("sometimes");
    }
  });
});

describe("COIN-M symbols", () => {
  it.each(["BTCUSD_PERP", "BTCUSD_230331", "ETHUSD"])("accepts %s for klines", (s) => {
    expect(futuresCmMarket.resolveSymbol("klines", s)).toEqual({ symbol: s });
  });

  it("files indexPriceKlines under the bare pair and premiumIndexKlines under perpetuals only", () => {
    expect(futuresCmMarket.resolveSymbol("indexPriceKlines", "ETHUSD")).toEqual({ symbol: "ETHUSD" });
    expect(futuresCmMarket.resolveSymbol("indexPriceKlines", "ETHUSD_PERP")).toBeUndefined();
    expect(futuresCmMarket.resolveSymbol("premiumIndexKlines", "BTCUSD_PERP")).toEqual({
      symbol: "BTCUSD_PERP",
    });
    expect(futuresCmMarket.resolveSymbol("premiumIndexKlines", "BTCUSD_230331")).toBeUndefined();
  });

  it.each(["../x", "a/b", "btcusd_perp", "BTCUSD.PERP", "BTCUSD_perp", ""])("rejects %j", (s) => {
    expect(futuresCmMarket.resolveSymbol("klines", s)).toBeUndefined();
  });
});
