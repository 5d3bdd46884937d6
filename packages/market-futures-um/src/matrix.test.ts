// USD-M matrix facts from ARCHIVE.md §3 and §6, written out literally so a wrong fragment fails here.
import type { Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { futuresUmMarket } from "./index.js";

const { dataTypes } = futuresUmMarket.matrix;
const COMMON = "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d".split(" ");
const KLINE_CLASS = ["indexPriceKlines", "klines", "markPriceKlines", "premiumIndexKlines"];
const typesIn = (p: Partition) =>
  Object.entries(dataTypes)
    .filter(([, s]) => s.partitions.includes(p))
    .map(([n]) => n)
    .sort();

describe("USD-M futures matrix", () => {
  it("is the futures_um market at data/futures/um", () => {
    expect(futuresUmMarket.id).toBe("futures_um");
    expect(futuresUmMarket.matrix.archivePath).toBe("futures/um");
  });

  it("publishes ARCHIVE.md's daily list (liquidationSnapshot listed but empty)", () => {
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

  it("publishes ARCHIVE.md's monthly list", () => {
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
  });

  it("gives every other type a plain key and no intervals", () => {
    for (const [dt, spec] of Object.entries(dataTypes)) {
      if (KLINE_CLASS.includes(dt)) continue;
      expect(spec.keyShape, dt).toBe("plain");
      expect(spec.intervals, dt).toBeUndefined();
    }
  });

  it("knows bookTicker stopped 2024-03-30 / 2024-04 and liquidationSnapshot is empty", () => {
    expect(dataTypes.bookTicker!.windows?.daily).toMatchObject({ to: "2024-03-30" });
    expect(dataTypes.bookTicker!.windows?.monthly).toMatchObject({ to: "2024-04-01" });
    expect(dataTypes.liquidationSnapshot!.windows?.daily).toMatchObject({ empty: true });
  });

  it("describes every type", () => {
    for (const spec of Object.values(dataTypes)) expect(spec.description).toMatch(/\w{3}/);
  });
});

describe("USD-M CSV schemas (ARCHIVE.md §6)", () => {
  const columns = (dt: string) => dataTypes[dt]!.csv!.columns.map((c) => c.name).join(",");
  const KLINE_COLUMNS =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

  it.each([
    ...KLINE_CLASS.map((dt) => [dt, KLINE_COLUMNS, "sometimes", "ms"]),
    [
      "aggTrades",
      "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
      "sometimes",
      "ms",
    ],
    ["trades", "id,price,qty,quote_qty,time,is_buyer_maker", "sometimes", "ms"],
    ["fundingRate", "calc_time,funding_interval_hours,last_funding_rate", "always", "ms"],
    [
      "metrics",
      "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio," +
        "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio",
      "always",
      "text",
    ],
    ["bookDepth", "timestamp,percentage,depth,notional", "always", "text"],
    [
      "bookTicker",
      "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time",
      "always",
      "ms",
    ],
    [
      "liquidationSnapshot",
      "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status," +
        "last_fill_quantity,accumulated_fill_quantity",
      "always",
      "ms",
    ],
  ])("%s: %s (header %s, time %s)", (dt, cols, header, unit) => {
    const csv = dataTypes[dt]!.csv!;
    expect(columns(dt)).toBe(cols);
    expect(csv.header).toBe(header);
    expect(csv.timeUnit).toBe(unit);
    expect(csv.timeUnitSwitch).toBeUndefined();
  });

  it("has a CSV schema for every data type", () => {
    for (const [dt, spec] of Object.entries(dataTypes)) expect(spec.csv, dt).toBeDefined();
  });

  it("notes the duplicated metrics rows of 2020-09 … 2021-05 and datetime text columns", () => {
    expect(dataTypes.metrics!.csv!.note).toMatch(/2020-09.*2021-05/);
    expect(dataTypes.metrics!.csv!.columns[0]).toEqual({ name: "create_time", type: "datetime" });
    expect(dataTypes.bookDepth!.csv!.columns[0]).toEqual({ name: "timestamp", type: "datetime" });
  });
});

describe("USD-M symbols", () => {
  it.each(["BTCUSDT", "BTCUSDT_230331", "ICPUSDT_SETTLED", "CVCUSDTSETTLED", "1000PEPEUSDT"])(
    "accepts %s",
    (s) => {
      expect(futuresUmMarket.resolveSymbol("klines", s)).toEqual({ symbol: s });
    },
  );

  it.each(["../x", "a/b", "btcusdt", "BTCUSDT.P", "BTC/USDT", "BTCUSDT_", "_PERP", "BTCUSDT__230331", ""])(
    "rejects %j",
    (s) => {
      expect(futuresUmMarket.resolveSymbol("klines", s)).toBeUndefined();
    },
  );
});
