// Planning and building blocks: columns vs the plugins' schemas, windows, symbols, calendar, decimals, zips.
import { futuresCmMarket } from "@crypto-lakehouse/market-futures-cm";
import { futuresUmMarket } from "@crypto-lakehouse/market-futures-um";
import { optionsMarket } from "@crypto-lakehouse/market-options";
import { spotMarket } from "@crypto-lakehouse/market-spot";
import { afterEach, describe, expect, it } from "vitest";
import { klineGrid, wholeMonthsBetween } from "./calendar.js";
import { fixed, plain, significantDigits, units } from "./decimal.js";
import {
  generatedColumns,
  planReplica,
  type ReplicaSelection,
  replicaKeysFor,
  replicaSymbolFor,
} from "./index.js";
import { createRng } from "./prng.js";
import { flavorOf } from "./profile.js";
import { zipBuffer, zipMtime } from "./zip.js";

describe("CSV layouts", () => {
  it("write exactly the columns of every plugin's CSV schema", () => {
    for (const plugin of [spotMarket, futuresUmMarket, futuresCmMarket, optionsMarket]) {
      for (const [dataType, spec] of Object.entries(plugin.matrix.dataTypes)) {
        expect(spec.csv, `${plugin.id}/${dataType}`).toBeDefined();
        expect(generatedColumns(flavorOf(plugin), dataType), `${plugin.id}/${dataType}`).toEqual(
          spec.csv!.columns.map((c) => c.name),
        );
      }
    }
  });
});

describe("planReplica", () => {
  it("honours dataset windows: bookTicker stops after 2024-03-30 (daily) and 2024-04 (monthly)", () => {
    const keys = replicaKeysFor({
      start: "2024-03-01",
      end: "2024-05-31",
      markets: ["futures_um"],
      dataTypes: ["bookTicker"],
      symbols: { futures_um: ["BTCUSDT"] },
      quirks: false,
    });
    const periods = keys.map((k) => k.slice(-14, -4).replace(/^-/, ""));
    expect(periods).toContain("2024-03-30");
    expect(periods).not.toContain("2024-03-31");
    expect(keys.filter((k) => k.includes("/monthly/")).map((k) => k.slice(-11, -4))).toEqual([
      "2024-03",
      "2024-04",
    ]);
  });

  it("follows the matrix partitions and intervals: fundingRate monthly only, no 1s/3d/1w/1mo for daily futures", () => {
    const plan = planReplica({
      start: "2024-01-01",
      end: "2024-01-31",
      markets: ["futures_um"],
      quirks: false,
    });
    const funding = plan.files.filter((f) => f.dataType === "fundingRate");
    expect(funding.map((f) => f.partition)).toEqual(["monthly", "monthly"]);
    const dailyIntervals = new Set(plan.files.filter((f) => f.partition === "daily").map((f) => f.interval));
    for (const i of ["1s", "3d", "1w", "1mo"]) expect(dailyIntervals.has(i)).toBe(false);
    const monthlyIntervals = new Set(
      plan.files.filter((f) => f.partition === "monthly").map((f) => f.interval),
    );
    for (const i of ["3d", "1w", "1mo"]) expect(monthlyIntervals.has(i)).toBe(true);
    expect(plan.files.some((f) => f.dataType === "liquidationSnapshot")).toBe(false);
    expect(plan.emptyDataTypes).toEqual(["futures_um/daily/liquidationSnapshot"]);
  });

  it("accepts 1M for 1mo and skips a type a market lacks when another selected market has it", () => {
    const keys = replicaKeysFor({
      start: "2024-01-01",
      end: "2024-01-31",
      markets: ["spot", "futures_um"],
      dataTypes: ["klines", "fundingRate"],
      intervals: ["1M"],
      partitions: ["monthly"],
      symbols: { spot: ["BTCUSDT"], futures_um: ["BTCUSDT"] },
    });
    expect(keys).toEqual([
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip",
      "data/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-01.zip",
      "data/spot/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-01.zip",
    ]);
    expect(() =>
      replicaKeysFor({
        start: "2024-01-01",
        end: "2024-01-31",
        markets: ["spot"],
        dataTypes: ["fundingRate"],
      }),
    ).toThrow(/invalid/);
  });

  it("maps symbols per data type", () => {
    expect(replicaSymbolFor(futuresCmMarket, "indexPriceKlines", "BTCUSD_PERP")).toBe("BTCUSD");
    expect(replicaSymbolFor(futuresCmMarket, "klines", "BTCUSD_PERP")).toBe("BTCUSD_PERP");
    expect(replicaSymbolFor(futuresCmMarket, "premiumIndexKlines", "BTCUSD_230331")).toBeUndefined();
    expect(replicaSymbolFor(optionsMarket, "BVOLIndex", "BTC")).toBe("BTCBVOLUSDT");
    expect(replicaSymbolFor(optionsMarket, "EOHSummary", "BTC")).toBe("BTCUSDT");
    expect(replicaSymbolFor(optionsMarket, "BVOLIndex", "BTCUSDT")).toBeUndefined();
    expect(replicaSymbolFor(optionsMarket, "EOHSummary", "BTCBVOLUSDT")).toBeUndefined();
  });

  it("holeMinFiles: 1 gives a one-month range a monthly hole too; the default (3) leaves it only the daily one", () => {
    const sel: ReplicaSelection = {
      start: "2023-07-01",
      end: "2023-07-31",
      markets: ["spot"],
      dataTypes: ["klines"],
      symbols: { spot: ["BTCUSDT"] },
      intervals: ["1d", "1mo"],
    };
    const daily = "data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2023-07-16.zip";
    expect(planReplica(sel).holes).toEqual([daily]);
    const forced = planReplica({ ...sel, holeMinFiles: 1 });
    expect(forced.holes).toEqual([daily, "data/spot/monthly/klines/BTCUSDT/1d/BTCUSDT-1d-2023-07.zip"]);
    // The stale sidecar avoids holes as before.
    expect(forced.holes).not.toContain(forced.stale);
    expect(() => planReplica({ ...sel, holeMinFiles: 0 })).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        details: [expect.stringMatching(/holeMinFiles: must be a whole number ≥ 1 \(got 0\)/)],
      }),
    );
  });
});

describe("building blocks", () => {
  const tz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = tz;
  });

  it("calendar: whole months only, weeks open on Monday", () => {
    expect(wholeMonthsBetween("2024-01-15", "2024-04-30")).toEqual(["2024-02", "2024-03", "2024-04"]);
    expect(wholeMonthsBetween("2024-01-01", "2024-01-30")).toEqual([]);
    const weeks = [...klineGrid("1w", Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1))];
    expect(weeks.map((w) => new Date(w.open).getUTCDay())).toEqual([1, 1, 1, 1, 1]);
  });

  it("decimals are exact strings", () => {
    expect(fixed(units(64123.45, 2), 8)).toBe("64123.45000000");
    expect(fixed(-units(0.00012345, 8), 8)).toBe("-0.00012345");
    expect(plain(units(52.3, 2), 2)).toBe("52.3");
    expect(significantDigits("123456789012.12345678")).toBe(20);
  });

  it("the PRNG is seeded", () => {
    const a = createRng(1, "k");
    const b = createRng(1, "k");
    const c = createRng(2, "k");
    const seq = (r: ReturnType<typeof createRng>) => Array.from({ length: 5 }, () => r.int(1_000_000));
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
  });

  it("zips are byte-identical in every time zone", async () => {
    const make = async (zone: string) => {
      process.env.TZ = zone;
      const offset = new Date(Date.UTC(2024, 0, 2)).getTimezoneOffset();
      return {
        offset,
        zip: await zipBuffer("x.csv", Buffer.from("a,b\n1,2\n"), { mtime: zipMtime("daily", "2024-01-01") }),
      };
    };
    const ny = await make("America/New_York");
    const tokyo = await make("Asia/Tokyo");
    // The zone switch took effect, and still the bytes agree.
    expect(tokyo.offset).not.toBe(ny.offset);
    expect(tokyo.zip.equals(ny.zip)).toBe(true);
  });
});
