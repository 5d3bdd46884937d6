// The replica across all four markets: layout, sidecars, determinism, µs switch, holes, stale, empty types.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { futuresCmMarket } from "@crypto-lakehouse/market-futures-cm";
import { futuresUmMarket } from "@crypto-lakehouse/market-futures-um";
import { optionsMarket } from "@crypto-lakehouse/market-options";
import { spotMarket } from "@crypto-lakehouse/market-spot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intervalMs } from "./calendar.js";
import {
  generateReplica,
  type ReplicaManifest,
  type ReplicaOptions,
  replicaKeysFor,
  writeManifest,
} from "./index.js";
import { sha256Hex } from "./zip.js";
import { csvLines, listFiles, readZip } from "./zip-reader.test-util.js";

const plugins = {
  spot: spotMarket,
  futures_um: futuresUmMarket,
  futures_cm: futuresCmMarket,
  options: optionsMarket,
};
const KLINE_CLASS = new Set(["klines", "indexPriceKlines", "markPriceKlines", "premiumIndexKlines"]);

// Four days across the spot µs switch; 1s (spot only), 1m and 1h klines; every market with default symbols.
const base = {
  start: "2024-12-30",
  end: "2025-01-02",
  intervals: ["1s", "1m", "1h"],
  rowsPerFile: 20,
};

let dir: string;
let manifest: ReplicaManifest;
const opts = (outDir: string, extra: Partial<ReplicaOptions> = {}): ReplicaOptions => ({
  ...base,
  outDir,
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replica-"));
  manifest = await generateReplica(opts(join(dir, "a")));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("generateReplica", () => {
  it("is deterministic: a second run writes byte-identical files", async () => {
    const again = await generateReplica(opts(join(dir, "b")));
    const a = await listFiles(join(dir, "a"));
    const b = await listFiles(join(dir, "b"));
    expect(b).toEqual(a);
    for (const rel of a) {
      const [x, y] = await Promise.all([readFile(join(dir, "a", rel)), readFile(join(dir, "b", rel))]);
      expect(y.equals(x), rel).toBe(true);
    }
    expect(again.files.map((f) => f.sha256)).toEqual(manifest.files.map((f) => f.sha256));
  });

  it("a different seed changes the content but not the layout", async () => {
    const sel: Partial<ReplicaOptions> = { intervals: ["1h"], quirks: false };
    const one = await generateReplica(opts(join(dir, "seed1"), { ...sel, markets: ["spot"] }));
    const two = await generateReplica(opts(join(dir, "seed2"), { ...sel, markets: ["spot"], seed: 2 }));
    expect(two.files.map((f) => f.key)).toEqual(one.files.map((f) => f.key));
    for (const [i, f] of two.files.entries()) expect(f.sha256).not.toBe(one.files[i]!.sha256);
  });

  it("writes exactly the manifest's zips and their sidecars under data/, nothing else", async () => {
    const onDisk = await listFiles(join(dir, "a"));
    const expected = manifest.files.flatMap((f) => [f.key, f.checksumKey]).sort();
    expect(onDisk).toEqual(expected);
    expect(manifest.files.map((f) => f.key)).toEqual(replicaKeysFor(base));
    expect(manifest.files.length).toBeGreaterThan(150);
  });

  it("every sidecar is `<sha256>  <basename>` matching its zip, except the stale one", async () => {
    expect(manifest.stale).toEqual(["data/spot/daily/klines/BTCUSDT/1s/BTCUSDT-1s-2024-12-30.zip"]);
    for (const f of manifest.files) {
      const zip = await readFile(join(dir, "a", f.key));
      expect(sha256Hex(zip), f.key).toBe(f.sha256);
      expect(zip.length).toBe(f.size);
      const text = await readFile(join(dir, "a", f.checksumKey), "utf8");
      const m = /^([0-9a-f]{64}) {2}(\S+)(\n?)$/.exec(text);
      expect(m, f.checksumKey).not.toBeNull();
      expect(m![2]).toBe(f.key.split("/").pop());
      if (f.stale) expect(m![1]).not.toBe(f.sha256);
      else expect(m![1], f.key).toBe(f.sha256);
      // Spot sidecars have no trailing newline; futures and options ones do.
      expect(m![3], f.checksumKey).toBe(f.market === "spot" ? "" : "\n");
    }
    expect(manifest.quirks.checksumTrailingNewline).toEqual({
      futures_cm: true,
      futures_um: true,
      options: true,
      spot: false,
    });
  });

  it("every zip holds exactly one deflated member named <basename>.csv with \\n line ends", async () => {
    for (const f of manifest.files) {
      const z = await readZip(join(dir, "a", f.key));
      expect(z.names).toEqual([`${f.key.split("/").pop()!.slice(0, -4)}.csv`]);
      expect(z.methods).toEqual([8]);
      expect(z.text.includes("\r")).toBe(false);
      expect(z.text.endsWith("\n")).toBe(true);
      expect(csvLines(z.text).length).toBe(f.rows + (f.header ? 1 : 0));
    }
  });

  it("every key parses with its market plugin's parseKey, back to the manifest's fields", () => {
    for (const f of manifest.files) {
      const parsed = plugins[f.market as keyof typeof plugins].parseKey(f.key);
      expect(parsed, f.key).toEqual({
        market: f.market,
        partition: f.partition,
        dataType: f.dataType,
        symbol: f.symbol,
        period: f.period,
        key: f.key,
        ...(f.interval ? { interval: f.interval } : {}),
      });
    }
  });

  it("uses real default symbols, COIN-M index klines under the bare pair", () => {
    const symbols = (m: string, dt: string) => [
      ...new Set(manifest.files.filter((f) => f.market === m && f.dataType === dt).map((f) => f.symbol)),
    ];
    expect(symbols("spot", "klines")).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(symbols("futures_um", "klines")).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(symbols("futures_cm", "klines")).toEqual(["BTCUSD_PERP"]);
    expect(symbols("futures_cm", "indexPriceKlines")).toEqual(["BTCUSD"]);
    expect(symbols("options", "BVOLIndex")).toEqual(["BTCBVOLUSDT"]);
  });

  it("honours the matrix: no 1s for futures, windows closed (bookTicker, EOHSummary, COIN-M liquidations), USD-M liquidations empty", () => {
    const types = new Set(manifest.files.map((f) => `${f.market}/${f.dataType}`));
    expect(manifest.files.some((f) => f.market !== "spot" && f.interval === "1s")).toBe(false);
    expect(types.has("futures_um/bookTicker")).toBe(false);
    expect(types.has("futures_cm/liquidationSnapshot")).toBe(false);
    expect(types.has("options/EOHSummary")).toBe(false);
    expect(types.has("futures_um/liquidationSnapshot")).toBe(false);
    expect(manifest.quirks.emptyDataTypes).toContain("futures_um/daily/liquidationSnapshot");
    // No whole month in the range: no monthly files.
    expect(manifest.files.some((f) => f.partition === "monthly")).toBe(false);
  });

  it("leaves a daily hole inside a series: zip and sidecar absent, neighbours present", async () => {
    expect(manifest.holes).toHaveLength(1);
    const hole = manifest.holes[0]!;
    const onDisk = new Set(await listFiles(join(dir, "a")));
    expect(onDisk.has(hole)).toBe(false);
    expect(onDisk.has(`${hole}.CHECKSUM`)).toBe(false);
    // One folder is one series (symbol, and interval for klines).
    const folder = hole.slice(0, hole.lastIndexOf("/") + 1);
    const neighbours = manifest.files.filter((f) => f.key.startsWith(folder));
    expect(neighbours.length).toBe(3);
    expect(neighbours.some((f) => f.key < hole) && neighbours.some((f) => f.key > hole)).toBe(true);
  });

  it("spot times are ms before 2025-01-01 and µs from it; futures stay in ms", async () => {
    for (const f of manifest.files.filter(
      (x) => x.dataType === "klines" || x.dataType === "trades" || x.dataType === "aggTrades",
    )) {
      const z = await readZip(join(dir, "a", f.key));
      const row = csvLines(z.text)[f.header ? 1 : 0]!.split(",");
      const col = f.dataType === "klines" ? 0 : f.dataType === "trades" ? 4 : 5;
      const digits = row[col]!.length;
      const expectUs = f.market === "spot" && f.period >= "2025-01-01";
      expect(f.timeUnit, f.key).toBe(expectUs ? "us" : "ms");
      expect(digits, f.key).toBe(expectUs ? 16 : 13);
    }
  });

  it("klines: close_time = open_time + interval − 1 unit, OHLC consistent, rows on the grid from the period start", async () => {
    for (const f of manifest.files.filter((x) => KLINE_CLASS.has(x.dataType))) {
      const z = await readZip(join(dir, "a", f.key));
      const rows = csvLines(z.text)
        .slice(f.header ? 1 : 0)
        .map((l) => l.split(","));
      const unit = f.timeUnit === "us" ? 1000 : 1;
      const len = intervalMs(f.interval!)! * unit;
      const start = Date.parse(`${f.period}T00:00:00Z`) * unit;
      rows.forEach((r, i) => {
        const open = Number(r[0]);
        expect(open, f.key).toBe(start + i * len);
        expect(Number(r[6]), f.key).toBe(open + len - 1);
        const [o, h, l, c] = r.slice(1, 5).map(Number) as [number, number, number, number];
        expect(h).toBeGreaterThanOrEqual(Math.max(o, c, l));
        expect(l).toBeLessThanOrEqual(Math.min(o, c, h));
      });
      // Daily files of 1h and longer hold the whole day (gap checks need full days); shorter ones are capped.
      expect(rows.length, f.key).toBe(f.interval === "1h" ? 24 : 20);
    }
  });

  it("writes exact decimal strings and the markets' boolean spellings", async () => {
    const spot = manifest.files.find((f) => f.market === "spot" && f.dataType === "trades")!;
    const um = manifest.files.find((f) => f.market === "futures_um" && f.dataType === "trades")!;
    const spotRow = csvLines((await readZip(join(dir, "a", spot.key))).text)[0]!.split(",");
    expect(spotRow[1]).toMatch(/^\d+\.\d{8}$/);
    expect(spotRow.slice(5)).toEqual(expect.arrayContaining([expect.stringMatching(/^(True|False)$/)]));
    expect(spotRow[6]).toBe("True");
    const umLines = csvLines((await readZip(join(dir, "a", um.key))).text);
    expect(umLines[0]).toBe("id,price,qty,quote_qty,time,is_buyer_maker");
    expect(umLines[1]!.split(",")[5]).toMatch(/^(true|false)$/);
  });

  it("marks a flat zero-volume 1m kline (an outage) on the first day", async () => {
    const outage = manifest.quirks.outageKlines.find((o) => o.key.includes("/spot/"))!;
    expect(outage.key).toContain("/1m/BTCUSDT-1m-2024-12-30.zip");
    const row = csvLines((await readZip(join(dir, "a", outage.key))).text)[outage.row]!.split(",");
    expect(new Set(row.slice(1, 5)).size).toBe(1);
    expect(row[5]).toBe("0.00000000");
    expect(row[8]).toBe("0");
  });

  it("writeManifest writes JSON beside the bucket, never inside data/", async () => {
    const path = join(dir, "a-manifest.json");
    await writeManifest(manifest, path);
    expect(JSON.parse(await readFile(path, "utf8")).files.length).toBe(manifest.files.length);
    await expect(writeManifest(manifest, join(dir, "a", "data", "m.json"))).rejects.toThrow(/inside/);
  });

  it("refuses to mix with an existing tree unless overwrite is set", async () => {
    await expect(generateReplica(opts(join(dir, "a")))).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    const small = await generateReplica(
      opts(join(dir, "a"), { markets: ["options"], intervals: undefined, overwrite: true }),
    );
    expect(await listFiles(join(dir, "a"))).toEqual(
      small.files.flatMap((f) => [f.key, f.checksumKey]).sort(),
    );
  });
});

describe("generateReplica with quirks off", () => {
  it("has no holes, no stale sidecar, ms times and headers everywhere a type may have one", async () => {
    const out = join(dir, "clean");
    const m = await generateReplica({
      outDir: out,
      // Monthly 1mo files from before the futures header switch to after the spot µs switch.
      start: "2022-03-01",
      end: "2025-02-28",
      markets: ["spot", "futures_um"],
      dataTypes: ["klines"],
      intervals: ["1mo"],
      partitions: ["monthly"],
      symbols: { spot: ["BTCUSDT"], futures_um: ["BTCUSDT"] },
      quirks: false,
    });
    expect(m.files.map((f) => f.period)).toContain("2022-03");
    expect(m.files.map((f) => f.period)).toContain("2025-02");
    expect(m.holes).toEqual([]);
    expect(m.stale).toEqual([]);
    expect(m.quirks.enabled).toBe(false);
    expect(m.files.every((f) => !f.stale && f.timeUnit === "ms")).toBe(true);
    expect(m.files.filter((f) => f.market === "futures_um").every((f) => f.header)).toBe(true);
    expect(m.files.filter((f) => f.market === "spot").every((f) => !f.header)).toBe(true);
    for (const f of m.files) {
      const text = await readFile(join(out, f.checksumKey), "utf8");
      expect(text.slice(0, 64)).toBe(f.sha256);
    }
  });

  it("rejects invalid options with every problem listed", async () => {
    await expect(
      generateReplica({
        outDir: join(dir, "bad"),
        start: "2025-02-30",
        end: "2025-01-01",
        markets: ["nope"],
        dataTypes: ["bogus"],
      }),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      details: expect.arrayContaining([expect.stringContaining("start")]),
    });
    await expect(
      generateReplica({ outDir: join(dir, "bad"), start: "2025-01-02", end: "2025-01-01" }),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(
      generateReplica({
        outDir: join(dir, "bad"),
        start: "2025-01-01",
        end: "2025-01-01",
        intervals: ["7m"],
      }),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
