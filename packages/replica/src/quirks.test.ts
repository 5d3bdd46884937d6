// The archive's date-bound quirks: header switch, monthly holes, duplicated rows, 1mo klines, EOHSummary cells.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { significantDigits } from "./decimal.js";
import { generatedColumns, generateReplica, type ReplicaFile, type ReplicaManifest } from "./index.js";
import { csvLines, listFiles, readZip } from "./zip-reader.test-util.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replica-quirks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (root: string, f: ReplicaFile) => csvLines((await readZip(join(root, f.key))).text);

describe("futures header rows", () => {
  it("daily: none before 2022-08-11, one from it on (COIN-M trades always have one; spot never)", async () => {
    const out = join(dir, "daily-headers");
    const m = await generateReplica({
      outDir: out,
      start: "2022-08-09",
      end: "2022-08-12",
      markets: ["spot", "futures_um", "futures_cm"],
      dataTypes: ["klines", "aggTrades", "trades", "metrics"],
      intervals: ["1d"],
      rowsPerFile: 5,
    });
    expect(m.quirks.headerSwitch).toEqual({ daily: "2022-08-11", monthly: "2022-05" });
    for (const f of m.files) {
      const first = (await lines(out, f))[0]!;
      const columns = generatedColumns(
        f.market === "spot" ? "spot" : f.market === "futures_um" ? "um" : "cm",
        f.dataType,
      );
      const isHeader = first === columns.join(",");
      let expected: boolean;
      if (f.market === "spot") expected = false;
      else if (f.dataType === "metrics" || (f.market === "futures_cm" && f.dataType === "trades"))
        expected = true;
      else expected = f.period >= "2022-08-11";
      expect(isHeader, f.key).toBe(expected);
      expect(f.header, f.key).toBe(expected);
      // A data row of a headerless file starts with a digit.
      if (!expected) expect(first, f.key).toMatch(/^\d/);
    }
  });

  it("monthly: none before 2022-05, one from it on; a monthly hole sits between two present months", async () => {
    const out = join(dir, "monthly-headers");
    const m = await generateReplica({
      outDir: out,
      start: "2022-03-01",
      end: "2022-06-30",
      markets: ["futures_um"],
      dataTypes: ["klines", "fundingRate"],
      intervals: ["1mo", "1w"],
      partitions: ["monthly"],
      symbols: { futures_um: ["BTCUSDT"] },
    });
    expect(m.files.every((f) => f.partition === "monthly")).toBe(true);
    for (const f of m.files) {
      const expected = f.dataType === "fundingRate" || f.period >= "2022-05";
      expect(f.header, f.key).toBe(expected);
      expect(
        (await lines(out, f))[0]!.startsWith("open_time") ||
          (await lines(out, f))[0]!.startsWith("calc_time"),
        f.key,
      ).toBe(expected);
    }
    expect(m.holes).toHaveLength(1);
    const hole = m.holes[0]!;
    expect(hole).toMatch(/\/monthly\/klines\/BTCUSDT\/(1mo|1w)\/BTCUSDT-(1mo|1w)-2022-0[45]\.zip$/);
    const onDisk = new Set(await listFiles(out));
    expect(onDisk.has(hole) || onDisk.has(`${hole}.CHECKSUM`)).toBe(false);
    const folder = hole.slice(0, hole.lastIndexOf("/") + 1);
    const periods = m.files.filter((f) => f.key.startsWith(folder)).map((f) => f.period);
    expect(periods).toHaveLength(3);
    const holePeriod = hole.slice(-11, -4);
    expect(periods.some((p) => p < holePeriod) && periods.some((p) => p > holePeriod)).toBe(true);

    // fundingRate: always a header, calc_time a few ms off the 8-hour grid, futures sidecar ends with \n.
    const funding = "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2022-05.zip";
    expect(await readFile(join(out, `${funding}.CHECKSUM`), "utf8")).toMatch(
      /^[0-9a-f]{64} {2}BTCUSDT-fundingRate-2022-05\.zip\n$/,
    );
    const rows = csvLines((await readZip(join(out, funding))).text);
    expect(rows[0]).toBe("calc_time,funding_interval_hours,last_funding_rate");
    for (const r of rows.slice(1)) {
      const [t, hours] = r.split(",");
      const offGrid = Number(t) % (8 * 3_600_000);
      expect(offGrid).toBeGreaterThan(0);
      expect(offGrid).toBeLessThan(10);
      expect(hours).toBe("8");
    }
  });
});

describe("duplicated rows", () => {
  let m: ReplicaManifest;
  const out = () => join(dir, "dups");
  beforeAll(async () => {
    m = await generateReplica({
      outDir: out(),
      // Two days, so no series is long enough for a hole.
      start: "2021-05-31",
      end: "2021-06-01",
      markets: ["futures_um"],
      dataTypes: ["metrics"],
      symbols: { futures_um: ["BTCUSDT"] },
      rowsPerFile: 10,
    });
  });

  it("metrics rows appear twice in 2020-09 … 2021-05 and once after, with text datetimes and some empty ratio cells", async () => {
    expect(m.holes).toEqual([]);
    expect(m.files.map((f) => f.period)).toEqual(["2021-05-31", "2021-06-01"]);
    for (const f of m.files) {
      const rows = (await lines(out(), f)).slice(1);
      const dup = f.period <= "2021-05-31";
      expect(rows.length, f.key).toBe(dup ? 20 : 10);
      expect(new Set(rows).size).toBe(10);
      expect(rows[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},BTCUSDT,/);
      expect(rows.some((r) => r.includes(",,"))).toBe(true);
    }
  });

  it("COIN-M liquidationSnapshot: every event twice, only inside 2023-06-25 … 2024-10-14", async () => {
    const o = join(dir, "liq");
    const liq = await generateReplica({
      outDir: o,
      start: "2023-06-24",
      end: "2023-06-26",
      markets: ["futures_cm", "futures_um"],
      dataTypes: ["liquidationSnapshot"],
      rowsPerFile: 6,
    });
    expect(liq.files.map((f) => f.key)).toEqual([
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2023-06-25.zip",
      "data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2023-06-26.zip",
    ]);
    expect(liq.quirks.emptyDataTypes).toEqual(["futures_um/daily/liquidationSnapshot"]);
    expect((await listFiles(o)).some((k) => k.includes("futures/um"))).toBe(false);
    for (const f of liq.files) {
      const rows = (await lines(o, f)).slice(1);
      expect(rows).toHaveLength(12);
      for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1]).toBe(rows[i]);
    }
  });
});

describe("monthly klines", () => {
  it("1mo rows span the month; a spot 1mo quote volume has 20 significant digits; 1w opens on Mondays", async () => {
    const out = join(dir, "months");
    const m = await generateReplica({
      outDir: out,
      start: "2024-01-01",
      end: "2024-04-30",
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1mo", "1w", "3d"],
      partitions: ["monthly"],
      symbols: { spot: ["BTCUSDT"] },
    });
    const monthly = m.files.filter((f) => f.interval === "1mo");
    expect(monthly.length).toBeGreaterThanOrEqual(3);
    for (const f of monthly) {
      const rows = await lines(out, f);
      expect(rows).toHaveLength(1);
      const r = rows[0]!.split(",");
      const start = Date.parse(`${f.period}-01T00:00:00Z`);
      const next = new Date(start);
      next.setUTCMonth(next.getUTCMonth() + 1);
      expect(Number(r[0])).toBe(start);
      expect(Number(r[6])).toBe(next.getTime() - 1);
      expect(significantDigits(r[7]!), r[7]).toBe(20);
      expect(r[1]).toMatch(/^\d+\.\d{8}$/);
    }
    for (const f of m.files.filter((x) => x.interval === "1w")) {
      for (const row of await lines(out, f)) {
        const open = Number(row.split(",")[0]);
        expect(new Date(open).getUTCDay()).toBe(1);
        expect(Number(row.split(",")[6])).toBe(open + 7 * 86_400_000 - 1);
      }
    }
    expect(m.holes).toHaveLength(1);
  });
});

describe("options", () => {
  it("EOHSummary only inside its window, with 0E-8 zeros and empty cells; BVOLIndex about one row a second", async () => {
    const out = join(dir, "options");
    const m = await generateReplica({
      outDir: out,
      start: "2023-05-17",
      end: "2023-05-19",
      markets: ["options"],
      rowsPerFile: 30,
    });
    const eoh = m.files.filter((f) => f.dataType === "EOHSummary");
    expect(eoh.map((f) => `${f.symbol} ${f.period}`)).toEqual(["BTCUSDT 2023-05-18", "BTCUSDT 2023-05-19"]);
    for (const f of eoh) {
      const rows = await lines(out, f);
      expect(rows[0]!.split(",")).toHaveLength(26);
      expect(rows.slice(1).every((r) => r.split(",").length === 26)).toBe(true);
      expect(rows.some((r) => r.split(",").includes("0E-8"))).toBe(true);
      expect(rows.slice(1).some((r) => r.split(",").includes(""))).toBe(true);
      expect(rows[1]!.startsWith(`${f.period},0,BTC-`)).toBe(true);
    }
    const bvol = m.files.filter((f) => f.dataType === "BVOLIndex");
    // Three BVOLIndex days, the middle one left out as this replica's hole.
    expect(bvol.map((f) => f.key)).toEqual([
      "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2023-05-17.zip",
      "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2023-05-19.zip",
    ]);
    expect(m.holes).toEqual(["data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2023-05-18.zip"]);
    const rows = (await lines(out, bvol[0]!)).slice(1).map((r) => Number(r.split(",")[0]));
    for (let i = 1; i < rows.length; i++) expect(Math.round((rows[i]! - rows[i - 1]!) / 1000)).toBe(1);
  });
});
