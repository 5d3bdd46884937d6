// Spot matrix facts from docs/archive.md §3 and §6, written out literally so a wrong fragment fails here.
import { describe, expect, it } from "vitest";
import { spotMarket } from "./index.js";

const { dataTypes } = spotMarket.matrix;
const COMMON = "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d".split(" ");

describe("spot matrix", () => {
  it("is the spot market at data/spot", () => {
    expect(spotMarket.id).toBe("spot");
    expect(spotMarket.kind).toBe("market");
    expect(spotMarket.matrix.archivePath).toBe("spot");
  });

  it("has exactly aggTrades, klines, trades, each daily and monthly (no bookDepth, no bookTicker)", () => {
    expect(Object.keys(dataTypes).sort()).toEqual(["aggTrades", "klines", "trades"]);
    for (const spec of Object.values(dataTypes)) expect(spec.partitions).toEqual(["daily", "monthly"]);
    expect(dataTypes.bookDepth).toBeUndefined();
    expect(dataTypes.bookTicker).toBeUndefined();
  });

  it("has klines intervals with 1s, and 3d/1w/1mo in monthly only (never 1M)", () => {
    const klines = dataTypes.klines!;
    expect(klines.keyShape).toBe("interval");
    expect(klines.intervals?.daily).toEqual(["1s", ...COMMON]);
    expect(klines.intervals?.monthly).toEqual(["1s", ...COMMON, "3d", "1w", "1mo"]);
  });

  it("gives plain types no intervals and every type a description", () => {
    for (const name of ["aggTrades", "trades"]) {
      expect(dataTypes[name]!.keyShape).toBe("plain");
      expect(dataTypes[name]!.intervals).toBeUndefined();
    }
    for (const spec of Object.values(dataTypes)) expect(spec.description).toMatch(/\w{3}/);
  });
});

describe("spot CSV schemas (docs/archive.md §6)", () => {
  const columns = (dt: string) => dataTypes[dt]!.csv!.columns.map((c) => c.name).join(",");

  it("lists the columns in order", () => {
    expect(columns("klines")).toBe(
      "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades," +
        "taker_buy_base_asset_volume,taker_buy_quote_asset_volume,ignore",
    );
    expect(columns("aggTrades")).toBe(
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match",
    );
    expect(columns("trades")).toBe("id,price,qty,quote_qty,time,is_buyer_maker,is_best_match");
  });

  it("has no header rows and switches to microseconds for files dated 2025-01-01 on", () => {
    for (const dt of ["klines", "aggTrades", "trades"]) {
      const csv = dataTypes[dt]!.csv!;
      expect(csv.header).toBe("never");
      expect(csv.timeUnit).toBe("ms");
      expect(csv.timeUnitSwitch).toEqual({ from: "2025-01-01", unit: "us" });
    }
  });

  it("types ids as int, prices as exact decimals, times as epoch, flags as bool", () => {
    const types = (dt: string) =>
      Object.fromEntries(dataTypes[dt]!.csv!.columns.map((c) => [c.name, c.type]));
    expect(types("trades")).toEqual({
      id: "int",
      price: "decimal",
      qty: "decimal",
      quote_qty: "decimal",
      time: "time",
      is_buyer_maker: "bool",
      is_best_match: "bool",
    });
    expect(types("klines")).toMatchObject({ open_time: "time", close: "decimal", number_of_trades: "int" });
  });
});

describe("spot symbols", () => {
  it.each(["BTCUSDT", "1000SHIBUSDT", "ETHBTC"])("accepts %s unchanged", (s) => {
    expect(spotMarket.resolveSymbol("klines", s)).toEqual({ symbol: s });
  });

  it.each(["../x", "a/b", "btcusdt", "BTC/USDT", "BTC.USDT", "BTCUSDT_230331", "B", "", "BTC USDT"])(
    "rejects %j",
    (s) => {
      expect(spotMarket.resolveSymbol("klines", s)).toBeUndefined();
    },
  );
});
