// Options matrix facts from docs/archive.md §3 and §6, and the aliases that keep the specification's configs working.
import { describe, expect, it } from "vitest";
import { optionsMarket } from "./index.js";

const { dataTypes } = optionsMarket.matrix;

describe("options matrix", () => {
  it("is the options market at data/option", () => {
    expect(optionsMarket.id).toBe("options");
    expect(optionsMarket.matrix.archivePath).toBe("option");
  });

  it("has BVOLIndex and EOHSummary, daily only, plain keys (BVOLIndex has no interval folder)", () => {
    expect(Object.keys(dataTypes).sort()).toEqual(["BVOLIndex", "EOHSummary"]);
    for (const spec of Object.values(dataTypes)) {
      expect(spec.partitions).toEqual(["daily"]);
      expect(spec.keyShape).toBe("plain");
      expect(spec.intervals).toBeUndefined();
      expect(spec.description).toMatch(/\w{3}/);
    }
  });

  it("knows EOHSummary ran 2023-05-18 … 2023-10-23", () => {
    expect(dataTypes.EOHSummary!.windows?.daily).toMatchObject({ from: "2023-05-18", to: "2023-10-23" });
    expect(dataTypes.BVOLIndex!.windows).toBeUndefined();
  });
});

describe("options CSV schemas (docs/archive.md §6)", () => {
  it("BVOLIndex: five columns with a header, epoch ms", () => {
    const csv = dataTypes.BVOLIndex!.csv!;
    expect(csv.columns.map((c) => c.name).join(",")).toBe(
      "calc_time,symbol,base_asset,quote_asset,index_value",
    );
    expect(csv.header).toBe("always");
    expect(csv.timeUnit).toBe("ms");
  });

  it("EOHSummary: 26 columns with a header, date + hour, noting 0E-8 and empty cells", () => {
    const csv = dataTypes.EOHSummary!.csv!;
    expect(csv.columns.map((c) => c.name).join(",")).toBe(
      "date,hour,symbol,underlying,type,strike,open,high,low,close,volume_contracts,volume_usdt,best_bid_price," +
        "best_ask_price,best_bid_qty,best_ask_qty,best_buy_iv,best_sell_iv,mark_price,mark_iv,delta,gamma,vega,theta," +
        "openinterest_contracts,openinterest_usdt",
    );
    expect(csv.columns).toHaveLength(26);
    expect(csv.columns[0]).toEqual({ name: "date", type: "date" });
    expect(csv.header).toBe("always");
    expect(csv.note).toContain("0E-8");
    expect(csv.note).toContain('""');
  });
});

describe("options symbols", () => {
  it.each([
    ["BVOLIndex", "BTC", "BTCBVOLUSDT"],
    ["BVOLIndex", "ETH", "ETHBVOLUSDT"],
    ["EOHSummary", "BTC", "BTCUSDT"],
    ["EOHSummary", "ETH", "ETHUSDT"],
    ["EOHSummary", "BNB", "BNBUSDT"],
    ["EOHSummary", "XRP", "XRPUSDT"],
    ["EOHSummary", "DOGE", "DOGEUSDT"],
  ])("%s: the specification's %s resolves to %s, with a note", (dt, given, real) => {
    const r = optionsMarket.resolveSymbol(dt, given);
    expect(r?.symbol).toBe(real);
    expect(r?.note).toContain(`${given} is ${real}`);
  });

  it("passes the archive's own spellings through without a note", () => {
    expect(optionsMarket.resolveSymbol("BVOLIndex", "BTCBVOLUSDT")).toEqual({ symbol: "BTCBVOLUSDT" });
    expect(optionsMarket.resolveSymbol("EOHSummary", "ETHUSDT")).toEqual({ symbol: "ETHUSDT" });
  });

  it.each(["../x", "a/b", "btc", "btcbvolusdt", "BTC-USDT", "BTC_USDT", ""])("rejects %j", (s) => {
    expect(optionsMarket.resolveSymbol("BVOLIndex", s)).toBeUndefined();
  });
});
