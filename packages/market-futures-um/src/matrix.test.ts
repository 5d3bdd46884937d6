// USD-M matrix facts from docs/archive.md §3 and §6, written out literally so a wrong fragment fails here.
import { describe, expect, it } from "vitest";
import { describeFuturesMatrix } from "./futures.test-util.js";
import { futuresUmMarket } from "./index.js";

const { dataTypes } = futuresUmMarket.matrix;

describeFuturesMatrix({
  label: "USD-M",
  market: futuresUmMarket,
  trades: { columns: "id,price,qty,quote_qty,time,is_buyer_maker", header: "sometimes" },
});

describe("USD-M futures matrix", () => {
  it("is the futures_um market at data/futures/um", () => {
    expect(futuresUmMarket.id).toBe("futures_um");
    expect(futuresUmMarket.matrix.archivePath).toBe("futures/um");
  });

  it("lists liquidationSnapshot but knows it is empty", () => {
    expect(dataTypes.liquidationSnapshot!.windows?.daily).toMatchObject({ empty: true });
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
