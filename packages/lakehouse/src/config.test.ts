// Config acceptance: the specification's example configs, flags-style configs, and every documented bad input.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isLakehouseError } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { planResolved } from "./api.js";
import { resolveRun } from "./resolve.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8"));
const TODAY = "2025-11-25";

async function keysOf(config: Record<string, unknown>): Promise<{ keys: string[]; notes: string[] }> {
  const run = await resolveRun(config, { today: TODAY, baseDir: import.meta.dirname });
  const plan = await planResolved(run, { today: TODAY });
  const keys: string[] = [];
  for await (const f of plan.files) keys.push(f.key);
  await plan.dispose();
  return { keys, notes: plan.notes.map((n) => `${n.market ?? ""}: ${n.message}`) };
}

async function errorOf(config: Record<string, unknown>): Promise<string> {
  try {
    await resolveRun(config, { today: TODAY, baseDir: import.meta.dirname });
  } catch (e) {
    if (isLakehouseError(e)) return e.describe();
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("the specification's example configs", () => {
  it("Full Market Collection plans, mapping types per market and reporting what the archive lacks", async () => {
    const { keys, notes } = await keysOf(fixture("spec-full.json"));
    expect(keys).toContain("data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-01.zip");
    expect(keys).toContain("data/futures/cm/daily/trades/BTCUSD_PERP/BTCUSD_PERP-trades-2025-07-15.zip");
    // fundingRate is monthly only: the July file covers 07-01…07-15.
    expect(keys).toContain("data/futures/um/monthly/fundingRate/ETHUSDT/ETHUSDT-fundingRate-2025-07.zip");
    // The specification's options symbols map to the archive's.
    expect(keys).toContain("data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip");
    expect(keys.some((k) => k.includes("liquidationSnapshot"))).toBe(false);
    expect(keys.some((k) => k.includes("/spot/") && k.includes("fundingRate"))).toBe(false);
    expect(notes.join("\n")).toMatch(/spot does not publish fundingRate/);
    expect(notes.join("\n")).toMatch(/liquidationSnapshot has no files in the archive/);
    expect(notes.join("\n")).toMatch(/BVOLIndex has no intervals/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("Market-Specific Collection plans and skips spot bookDepth with a note", async () => {
    const { keys, notes } = await keysOf(fixture("spec-market.json"));
    expect(keys.sort()).toEqual(
      [
        "data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2025-07-15.zip",
        "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip",
        "data/spot/daily/klines/ETHUSDT/1h/ETHUSDT-1h-2025-07-15.zip",
        "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2025-07-15.zip",
        "data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2025-07-15.zip",
        "data/spot/daily/trades/ETHUSDT/ETHUSDT-trades-2025-07-15.zip",
      ].sort(),
    );
    expect(notes.join("\n")).toMatch(/bookDepth is not published for spot/);
  });

  it("the legacy config plans yesterday's spot klines", async () => {
    const { keys } = await keysOf(fixture("spec-legacy.json"));
    expect(keys).toContain("data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-11-24.zip");
    expect(keys.every((k) => k.endsWith("-2025-11-24.zip"))).toBe(true);
  });
});

describe("planning rules", () => {
  const base = { markets: ["spot"], symbols: ["BTCUSDT"], data_types: ["klines"], intervals: ["1m"] };

  it("uses the monthly file for whole months and daily files for the rest", async () => {
    const { keys } = await keysOf({ ...base, date_range: { start: "2025-06-29", end: "2025-08-02" } });
    expect(keys).toEqual([
      "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-06-29.zip",
      "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-06-30.zip",
      "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07.zip",
      "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-08-01.zip",
      "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-08-02.zip",
    ]);
  });

  it("honours partitions daily / monthly / both", async () => {
    const range = { date_range: { start: "2025-07-01", end: "2025-07-31" } };
    expect((await keysOf({ ...base, ...range, partitions: "daily" })).keys).toHaveLength(31);
    expect((await keysOf({ ...base, ...range, partitions: "monthly" })).keys).toEqual([
      "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07.zip",
    ]);
    expect((await keysOf({ ...base, ...range, partitions: "both" })).keys).toHaveLength(32);
  });

  it("accepts 1M as 1mo and plans monthly-only intervals from the monthly files", async () => {
    const { keys } = await keysOf({
      ...base,
      intervals: ["1M", "1w"],
      date_range: { start: "2025-07-10", end: "2025-07-12" },
    });
    expect(keys).toEqual([
      "data/spot/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2025-07.zip",
      "data/spot/monthly/klines/BTCUSDT/1w/BTCUSDT-1w-2025-07.zip",
    ]);
  });

  it("does not plan what cannot be published yet, or outside a dataset's window", async () => {
    const { keys, notes } = await keysOf({ ...base, date_range: { start: "2025-11-20", end: "2025-12-05" } });
    expect(keys.at(-1)).toBe("data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-11-25.zip");
    expect(notes.join("\n")).toMatch(/not published yet/);
    const eoh = await keysOf({
      markets: ["options"],
      symbols: ["BTCUSDT"],
      data_types: ["EOHSummary"],
      date_range: { start: "2024-01-01", end: "2024-01-31" },
    });
    expect(eoh.keys).toEqual([]);
    expect(eoh.notes.join("\n")).toMatch(/2023-05-18/);
    const cm = await keysOf({
      markets: ["futures_cm"],
      symbols: ["BTCUSD_PERP"],
      data_types: ["liquidationSnapshot"],
      date_range: { start: "2024-10-13", end: "2024-10-16" },
    });
    expect(cm.keys).toEqual([
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2024-10-13.zip",
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2024-10-14.zip",
    ]);
  });
});

describe("bad input gets one clear message naming every problem", () => {
  const ok = {
    markets: ["spot"],
    symbols: ["BTCUSDT"],
    data_types: ["klines"],
    date_range: { start: "2025-07-01", end: "2025-07-02" },
  };

  it("unknown data type, with the valid names", async () => {
    const msg = await errorOf({ ...ok, data_types: ["klines", "unknown_type"] });
    expect(msg).toContain("'unknown_type' is not a valid data type");
    expect(msg).toContain("aggTrades, klines, trades");
    expect(msg).toContain("data_types[1]");
  });

  it("unknown market", async () => {
    expect(await errorOf({ ...ok, markets: ["spot", "margin"] })).toContain(
      "markets[1]: 'margin' is not a valid market (valid: spot, futures_um, futures_cm, options)",
    );
  });

  it("bad dates: format, calendar, order", async () => {
    expect(await errorOf({ ...ok, date_range: { start: "2025/07/01", end: "2025-07-02" } })).toContain(
      "date_range.start: '2025/07/01' is not a real date (expected YYYY-MM-DD)",
    );
    expect(await errorOf({ ...ok, date_range: { start: "2025-02-30", end: "2025-03-02" } })).toContain(
      "'2025-02-30' is not a real date",
    );
    expect(await errorOf({ ...ok, date_range: { start: "2025-07-02", end: "2025-07-01" } })).toContain(
      "date_range.end: '2025-07-01' is before date_range.start '2025-07-02'",
    );
  });

  it("symbols: lower case, path escapes, wrong alphabet", async () => {
    const msg = await errorOf({ ...ok, symbols: ["btcusdt", "../x", "a/b", "BTC-USDT"] });
    expect(msg).toContain(
      "symbols[0]: 'btcusdt' is not a valid symbol (allowed: upper-case A-Z, 0-9 and _) — symbols are upper case: 'BTCUSDT'",
    );
    expect(msg).toContain("symbols[1]: '../x' is not a valid symbol");
    expect(msg).toContain("symbols[2]: 'a/b' is not a valid symbol");
    expect(msg).toContain("symbols[3]: 'BTC-USDT' is not a valid symbol");
    expect(msg).toContain("(4 problems)");
  });

  it("intervals: unknown interval names the valid ones", async () => {
    const msg = await errorOf({ ...ok, intervals: { klines: ["7m"] } });
    expect(msg).toContain("intervals.klines[0]: '7m' is not a valid interval for klines (valid: 1s, 1m");
  });

  it("numbers are bounded, unknown keys are named", async () => {
    const msg = await errorOf({ ...ok, max_parallel_downloads: 0, batch_size: 1e9, timeout_secs: 5 });
    expect(msg).toMatch(/max_parallel_downloads: Too small: expected number to be >=1/);
    expect(msg).toMatch(/batch_size: Too big: expected number to be <=10000/);
    expect(msg).toMatch(/timeout_secs/);
  });

  it("zip_test names the allowed depths, and defaults to structure", async () => {
    expect(await errorOf({ ...ok, zip_test: "full" })).toContain(
      'zip_test: Invalid option: expected one of "structure"|"crc"',
    );
    expect((await resolveRun(ok)).settings.zipTest).toBe("structure");
    expect((await resolveRun({ ...ok, zip_test: "crc" })).settings.zipTest).toBe("crc");
  });

  it("flags are named as flags", async () => {
    const run = resolveRun({ ...ok, data_types: ["nope"] }, { sources: { data_types: "--data-types" } });
    await expect(run).rejects.toThrow(/--data-types\[0\]: 'nope' is not a valid data type/);
  });

  it("a missing matrix file", async () => {
    expect(await errorOf({ ...ok, matrix_path: "./no-such-matrix.json" })).toBe(
      `Archive matrix file not found: ${join(import.meta.dirname, "no-such-matrix.json")}`,
    );
  });

  it("per-market symbols must cover every selected market", async () => {
    const msg = await errorOf({ ...ok, markets: ["spot", "futures_um"], symbols: { spot: ["BTCUSDT"] } });
    expect(msg).toContain("symbols.futures_um: no symbols for market 'futures_um'");
  });
});
