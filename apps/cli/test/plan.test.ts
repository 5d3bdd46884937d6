// `lakehouse plan` and `lakehouse matrix` as a user runs them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { tempDir } from "./replica-env.js";

describe("lakehouse plan", () => {
  it("prints exactly the monthly key for whole months and daily keys for the rest (--keys)", async () => {
    const r = await lakehouse([
      "plan",
      "--market",
      "spot",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "klines",
      "--intervals",
      "1m",
      "--start",
      "2025-06-29",
      "--end",
      "2025-08-02",
      "--keys",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-06-29.zip",
        "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-06-30.zip",
        "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07.zip",
        "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-08-01.zip",
        "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-08-02.zip",
        "",
      ].join("\n"),
    );
  });

  it("shows counts, notes and sample keys by default, and JSON with --json", async () => {
    const args = [
      "plan",
      "--market",
      "spot",
      "--market",
      "futures_um",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "klines,fundingRate",
      "--intervals",
      "1h",
      "--start",
      "2025-07-01",
      "--end",
      "2025-07-03",
    ];
    const r = await lakehouse(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/7 files planned/);
    expect(r.stdout).toMatch(/futures_um\s+fundingRate\s+monthly\s+1/);
    expect(r.stdout).toMatch(/spot does not publish fundingRate; skipped there/);
    expect(r.stdout).toMatch(/Sample keys:/);
    const j = await lakehouse([...args, "--json"]);
    const doc = JSON.parse(j.stdout);
    expect(doc.total).toBe(7);
    expect(doc.keys).toHaveLength(7);
    expect(doc.counts["spot/klines/daily"]).toBe(3);
  });

  it("reads the specification's config file; flags override it", async () => {
    const dir = tempDir("lh-plan-");
    const cfg = join(dir, "config.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        markets: ["spot"],
        symbols: ["ETHUSDT"],
        data_types: ["trades"],
        date_range: { start: "2025-07-01", end: "2025-07-02" },
      }),
    );
    const r = await lakehouse(["plan", "--config", cfg, "--symbols", "BTCUSDT", "--keys"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      "data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2025-07-01.zip",
      "data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2025-07-02.zip",
    ]);
  });

  it("bad input: exit 2, a clear message on stderr, no stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--market", "spot", "--symbols", "BTCUSDT", "--data-types", "unknown_type"],
        /'unknown_type' is not a valid data type \(valid for spot: aggTrades, klines, trades\)/,
      ],
      [
        ["--market", "nope", "--symbols", "BTCUSDT", "--data-types", "klines"],
        /--market\[0\]: 'nope' is not a valid market/,
      ],
      [
        ["--market", "spot", "--symbols", "BTCUSDT", "--data-types", "klines", "--start", "2025-13-01"],
        /--start: '2025-13-01' is not a real date/,
      ],
      [
        ["--market", "spot", "--symbols", "../etc", "--data-types", "klines", "--start", "2025-01-01"],
        /--symbols\[0\]: '\.\.\/etc' is not a valid symbol/,
      ],
      [["--config", "/no/such/config.json"], /Config file not found: \/no\/such\/config.json/],
      [
        [
          "--market",
          "spot",
          "--symbols",
          "BTCUSDT",
          "--data-types",
          "klines",
          "--matrix",
          "/no/such/matrix.json",
        ],
        /Archive matrix file not found: \/no\/such\/matrix.json/,
      ],
      [["--partitions", "weekly"], /argument 'weekly' is invalid/],
      [
        [
          "--plugin",
          "/no/such/plugin.mjs",
          "--market",
          "spot",
          "--symbols",
          "BTCUSDT",
          "--data-types",
          "klines",
        ],
        /Plugin module '\/no\/such\/plugin.mjs' not found/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await lakehouse(["plan", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    }
  });

  it("--help works on every command", async () => {
    for (const cmd of [[], ["plan"], ["collect"], ["matrix"], ["symbols"], ["replica"]]) {
      const r = await lakehouse([...cmd, "--help"]);
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: lakehouse/);
    }
  });
});

describe("lakehouse matrix", () => {
  it("shows what the archive has, per market", async () => {
    const r = await lakehouse(["matrix", "--market", "spot"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/klines\s+1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d\s+1s 1m .* 1d 3d 1w 1mo/);
    expect(r.stdout).not.toMatch(/bookDepth/);
    const j = JSON.parse((await lakehouse(["matrix", "--json"])).stdout);
    expect(Object.keys(j.markets)).toEqual(["spot", "futures_um", "futures_cm", "options"]);
    expect(j.markets.futures_um.dataTypes.fundingRate.partitions).toEqual(["monthly"]);
  });

  it("says when a dataset was published: bookTicker ended, EOHSummary a few months only", async () => {
    const um = await lakehouse(["matrix", "--market", "futures_um"]);
    expect(um.stdout).toMatch(/bookTicker\s+yes \(until 2024-03-30\)\s+yes \(until 2024-04\)/);
    expect(um.stdout).toMatch(/liquidationSnapshot\s+empty/);
    const options = await lakehouse(["matrix", "--market", "options"]);
    expect(options.stdout).toMatch(/EOHSummary\s+yes \(2023-05-18 … 2023-10-23\)/);
  });
});

describe("lakehouse plan outside a dataset's window", () => {
  it("notes, and does not plan, files that cannot exist", async () => {
    const r = await lakehouse([
      "plan",
      "--market",
      "futures_um",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "bookTicker",
      "--start",
      "2025-01-01",
      "--end",
      "2025-03-31",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.total).toBe(0);
    const notes = JSON.stringify(doc.notes);
    expect(notes).toMatch(/bookTicker daily files exist only until 2024-03-30/);
    expect(notes).toMatch(/bookTicker monthly files exist only until 2024-04/);
  });
});
