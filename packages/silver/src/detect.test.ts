// Header and time-unit detection from a file's first lines, against the real plugins' CSV schemas.
import { futuresUmMarket } from "@crypto-lakehouse/market-futures-um";
import { optionsMarket } from "@crypto-lakehouse/market-options";
import { spotMarket } from "@crypto-lakehouse/market-spot";
import { describe, expect, it } from "vitest";
import { DetectionError, detect, splitCsvLine } from "./detect.js";

const cols = (m: typeof spotMarket, dt: string) => m.matrix.dataTypes[dt]!.csv!.columns;
const FUT_KLINE_HEADER =
  "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

describe("detect", () => {
  it("finds a futures kline header by its column names, and ms times in the row under it", () => {
    const d = detect(
      [
        FUT_KLINE_HEADER,
        "1660176000000,23950.0,24000.1,23900.5,23980.2,100.5,1660176059999,2410000.5,500,50.1,1200000.2,0",
      ],
      cols(futuresUmMarket, "klines"),
    );
    expect(d).toEqual({ header: true, timeUnit: "ms", notes: [] });
  });

  it("reads a headerless spot file dated 2025 as microseconds from its values", () => {
    const row =
      "1735689600000000,69932.16000000,70004.88000000,69884.44000000,69915.37000000,68.95194615,1735689659999999,4822100.05434265,1453,41.02640795,2869149.53168698,0";
    expect(detect([row], cols(spotMarket, "klines"))).toEqual({ header: false, timeUnit: "us", notes: [] });
  });

  it("judges the unit by the values, not the date: a µs row is µs whatever the file is called", () => {
    const ms = "9267000545,68367.02000000,0.09872000,6749.19221440,1735689600281,True,True";
    const us = "9267000545,68367.02000000,0.09872000,6749.19221440,1735689600281765,True,True";
    expect(detect([ms], cols(spotMarket, "trades")).timeUnit).toBe("ms");
    expect(detect([us], cols(spotMarket, "trades")).timeUnit).toBe("us");
  });

  it("does not take a metrics row for a header although it does not start with a digit… and finds the real header", () => {
    const c = cols(futuresUmMarket, "metrics");
    const header =
      "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio";
    const row =
      "2021-01-01 00:05:00,BTCUSDT,86941.0400000000000000,6008174595.6020600000000000,,,1.5252000000,0.86290000";
    expect(detect([header, row], c)).toEqual({ header: true, timeUnit: "text", notes: [] });
    expect(detect([row], c)).toEqual({ header: false, timeUnit: "text", notes: [] });
  });

  it("accepts a header whose names differ, by position, with a note", () => {
    const d = detect(
      [
        "OpenTime,Open,High,Low,Close,Volume,CloseTime,QuoteVolume,Count,TakerBuyVolume,TakerBuyQuoteVolume,Ignore",
        "1660176000000,1,1,1,1,1,1660176059999,1,1,1,1,0",
      ],
      cols(futuresUmMarket, "klines"),
    );
    expect(d.header).toBe(true);
    expect(d.notes[0]).toMatch(/differs from the known columns/);
  });

  it("rejects a first line with the wrong number of fields, naming the expected columns", () => {
    expect(() => detect(["1,2,3"], cols(futuresUmMarket, "klines"))).toThrow(DetectionError);
    expect(() => detect(["1,2,3"], cols(futuresUmMarket, "klines"))).toThrow(
      /3 fields, the 12 known columns/,
    );
  });

  it("handles EOHSummary (no epoch column) and empty files", () => {
    const c = cols(optionsMarket, "EOHSummary");
    expect(detect([c.map((x) => x.name).join(",")], c)).toEqual({
      header: true,
      timeUnit: "none",
      notes: [],
    });
    expect(detect([], cols(spotMarket, "klines")).notes).toEqual(["empty file"]);
  });

  it("splits quoted cells", () => {
    expect(splitCsvLine('a,"b,c","",d')).toEqual(["a", "b,c", "", "d"]);
  });
});
