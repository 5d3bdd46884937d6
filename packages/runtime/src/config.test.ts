// Config acceptance: the specification's example configs, flags-style configs, and every documented bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
    expect(msg).toContain("max_parallel_downloads: 0 is too small (allowed: an integer from 1 to 256)");
    expect(msg).toContain("batch_size: 1000000000 is too big (allowed: an integer from 1 to 10000)");
    expect(msg).toMatch(/timeout_secs: unknown key \(allowed keys: .*timeout_seconds/);
  });

  it("zip_test names the allowed depths, and defaults to structure", async () => {
    expect(await errorOf({ ...ok, zip_test: "full" })).toContain(
      "zip_test: 'full' is not a valid choice (allowed: one of structure, crc)",
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

  it("shape errors and archive errors are reported together, once each, in config-path order", async () => {
    const msg = await errorOf({
      batch_size: 0,
      date_range: { start: "2025-07-02", end: "2025-07-01" },
      data_types: ["klines", "unknown_type"],
      symbols: ["../x", "BTCUSDT"],
      markets: ["spot", "margin"],
      zip_test: "full",
    });
    expect(msg).toBe(
      [
        "Invalid configuration (6 problems):",
        "  - markets[1]: 'margin' is not a valid market (valid: spot, futures_um, futures_cm, options)",
        "  - symbols[0]: '../x' is not a valid symbol (allowed: upper-case A-Z, 0-9 and _)",
        "  - data_types[1]: 'unknown_type' is not a valid data type (valid for spot: aggTrades, klines, trades)",
        "  - date_range.end: '2025-07-01' is before date_range.start '2025-07-02' (the end must be on or after the start)",
        "  - batch_size: 0 is too small (allowed: an integer from 1 to 10000)",
        "  - zip_test: 'full' is not a valid choice (allowed: one of structure, crc)",
      ].join("\n"),
    );
  });

  it("keys whose own shape is wrong do not hide the checks of the others", async () => {
    // markets is unusable: data types are checked against every market, symbols for their form.
    const msg = await errorOf({ ...ok, markets: "spot", data_types: ["nope"], symbols: { spot: ["a/b"] } });
    expect(msg).toContain("markets: 'spot' is a string, not a list (allowed: a non-empty list of markets)");
    expect(msg).toContain("data_types[0]: 'nope' is not a valid data type (valid for spot, futures_um,");
    expect(msg).toContain("symbols.spot[0]: 'a/b' is not a valid symbol");
    expect(msg).toContain("(3 problems)");
    // A bad key is reported for its shape only: no "required"/"no symbols" noise on top.
    const shapeOnly = await errorOf({ ...ok, data_types: "klines", symbols: 5, date_range: "2025-07-01" });
    expect(shapeOnly.split("\n").slice(1)).toEqual([
      "  - symbols: 5 has the wrong type (allowed: a symbol, a list of symbols, or an object of such lists by market)",
      "  - data_types: 'klines' is a string, not a list (allowed: a non-empty list of data types)",
      "  - date_range: '2025-07-01' is a string, not an object (allowed: an object with keys start, end)",
    ]);
  });

  it("a problem found for several markets is reported once", async () => {
    const msg = await errorOf({ ...ok, markets: ["spot", "futures_um"], symbols: ["../x"] });
    expect(msg).toBe(
      "Invalid configuration: symbols[0]: '../x' is not a valid symbol (allowed: upper-case A-Z, 0-9 and _)",
    );
  });

  it("number and type errors name the value and what is allowed", async () => {
    const msg = await errorOf({
      ...ok,
      batch_size: "100",
      retries: 1.5,
      enable_resume: "yes",
      endpoint: "not a url",
      symbols: ["BTCUSDT", 7],
      intervals: { klines: [1] },
      date_range: { start: "2025-07-01", stop: "2025-07-02" },
      storage: {},
    });
    for (const line of [
      "symbols[1]: 7 is a number, not a string",
      "intervals.klines[0]: 1 is a number, not a string",
      "date_range.stop: unknown key (allowed keys: start, end)",
      "batch_size: '100' is a string, not a number (allowed: an integer from 1 to 10000)",
      "enable_resume: 'yes' is a string, not true or false",
      "retries: 1.5 is not an integer (allowed: an integer from 0 to 20)",
      "endpoint: 'not a url' is not a valid URL (allowed: a URL such as http://host:port)",
      "storage.kind: missing (allowed: a non-empty string)",
    ])
      expect(msg).toContain(`  - ${line}`);
    expect(msg).toContain("(8 problems)");
    // Flags are named as flags here too.
    const run = resolveRun({ ...ok, batch_size: 0 }, { sources: { batch_size: "--batch-size" } });
    await expect(run).rejects.toThrow("--batch-size: 0 is too small (allowed: an integer from 1 to 10000)");
  });

  it("long values are cut short in messages", async () => {
    const huge = "x".repeat(5000);
    const msg = await errorOf({
      ...ok,
      symbols: [huge],
      output_directory: { huge },
      markets: ["spot", huge],
    });
    expect(msg.length).toBeLessThan(1000);
    expect(msg).toContain("symbols[0]: 'xxxxxxxx");
    expect(msg).toContain("…' is not a valid symbol");
    expect(msg).toMatch(/output_directory: \{"huge":"x+… is an object, not a string/);
  });
});

describe("a config that is not an object", () => {
  it("is rejected with a clear message, not a crash", async () => {
    for (const [bad, what] of [
      [null, "null"],
      [[], "an array"],
      ["spot", "string"],
    ] as const) {
      expect(await errorOf(bad as unknown as Record<string, unknown>)).toMatch(
        new RegExp(`The config must be an object .*not ${what}`),
      );
    }
  });
});

describe("the specification's spellings and settings still make a working run", () => {
  const base = {
    markets: ["futures_um"],
    symbols: ["BTCUSDT"],
    date_range: { start: "2025-07-01", end: "2025-07-01" },
  };

  it("premiumIndex is collected as premiumIndexKlines, its intervals too, with a note", async () => {
    const { keys, notes } = await keysOf({
      ...base,
      data_types: ["premiumIndex"],
      intervals: { premiumIndex: ["1d"] },
    });
    expect(keys).toEqual(["data/futures/um/daily/premiumIndexKlines/BTCUSDT/1d/BTCUSDT-1d-2025-07-01.zip"]);
    expect(notes.join("\n")).toContain("premiumIndex is called premiumIndexKlines in the archive");
  });

  it("s5cmd settings with another downloader are reported as unused", async () => {
    const spec = {
      ...base,
      data_types: ["klines"],
      enable_batch_mode: true,
      s5cmd_extra_args: ["--retry-count=3"],
    };
    const notes = (await resolveRun(spec)).request.notes.map((n) => n.message);
    expect(notes).toContain(
      "enable_batch_mode and s5cmd_extra_args apply to the s5cmd downloader only; this run uses 'http' (set downloader to s5cmd to use them)",
    );
    const withS5cmd = (await resolveRun({ ...spec, downloader: "s5cmd" })).request.notes.map(
      (n) => n.message,
    );
    expect(withS5cmd.join("\n")).not.toContain("apply to the s5cmd downloader only");
  });

  it("the specification's matrix file, present in its own format, gives way to the built-in matrix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lh-spec-matrix-"));
    try {
      writeFileSync(
        join(dir, "enhanced_binance_archive_matrix.json"),
        JSON.stringify({ spot: { daily: { klines: { intervals: ["1M"], available_from: "2017-08-17" } } } }),
      );
      const run = await resolveRun(
        { ...base, data_types: ["klines"], matrix_path: "enhanced_binance_archive_matrix.json" },
        { baseDir: dir },
      );
      expect(run.request.notes.map((n) => n.message).join("\n")).toContain(
        "the specification's matrix file is superseded by the built-in matrix",
      );
      // Any other file that does not match the schema is still an error.
      writeFileSync(join(dir, "mine.json"), "{}");
      await expect(
        resolveRun({ ...base, data_types: ["klines"], matrix_path: "mine.json" }, { baseDir: dir }),
      ).rejects.toThrow(/does not match the matrix schema/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
