// COIN-M matrix facts from docs/archive.md §3 and §6, written out literally so a wrong fragment fails here.
import { describe, expect, it } from "vitest";
import { describeFuturesMatrix } from "../../market-futures-um/src/futures.test-util.js";
import { futuresCmMarket } from "./index.js";

const { dataTypes } = futuresCmMarket.matrix;

// USD-M's daily and monthly lists, with base_qty trades that always have a header row.
describeFuturesMatrix({
  label: "COIN-M",
  market: futuresCmMarket,
  trades: { columns: "id,price,qty,base_qty,time,is_buyer_maker", header: "always" },
});

describe("COIN-M futures matrix", () => {
  it("is the futures_cm market at data/futures/cm", () => {
    expect(futuresCmMarket.id).toBe("futures_cm");
    expect(futuresCmMarket.matrix.archivePath).toBe("futures/cm");
  });

  it("knows liquidationSnapshot's window 2023-06-25 … 2024-10-14", () => {
    expect(dataTypes.liquidationSnapshot!.windows?.daily).toMatchObject({
      from: "2023-06-25",
      to: "2024-10-14",
    });
    expect(dataTypes.liquidationSnapshot!.windows?.daily?.empty).toBeUndefined();
  });

  it("notes liquidationSnapshot's duplicated events", () => {
    expect(dataTypes.liquidationSnapshot!.csv!.note).toMatch(/twice/);
  });
});

describe("COIN-M symbols", () => {
  it.each(["BTCUSD_PERP", "BTCUSD_230331", "ETHUSD"])("accepts %s for klines", (s) => {
    expect(futuresCmMarket.resolveSymbol("klines", s)).toEqual({ symbol: s });
  });

  it("files indexPriceKlines under the bare pair and premiumIndexKlines under perpetuals only", () => {
    expect(futuresCmMarket.resolveSymbol("indexPriceKlines", "ETHUSD")).toEqual({ symbol: "ETHUSD" });
    expect(futuresCmMarket.resolveSymbol("indexPriceKlines", "ETHUSD_PERP")).toEqual({
      symbol: "ETHUSD",
      note: "futures_cm/indexPriceKlines: symbol ETHUSD_PERP is ETHUSD in the archive",
    });
    expect(futuresCmMarket.resolveSymbol("indexPriceKlines", "ETHUSD_230331")).toBeUndefined();
    expect(futuresCmMarket.resolveSymbol("premiumIndexKlines", "BTCUSD_PERP")).toEqual({
      symbol: "BTCUSD_PERP",
    });
    expect(futuresCmMarket.resolveSymbol("premiumIndexKlines", "BTCUSD_230331")).toBeUndefined();
  });

  it.each(["../x", "a/b", "btcusd_perp", "BTCUSD.PERP", "BTCUSD_perp", ""])("rejects %j", (s) => {
    expect(futuresCmMarket.resolveSymbol("klines", s)).toBeUndefined();
  });
});
