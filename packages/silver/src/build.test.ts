// Acceptance of the silver build on generated replica data carrying the archive's quirks.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertBronze } from "./build.js";
import { splitCsvLine } from "./detect.js";
import { type Duck, openDuck } from "./duck.js";
import { silverPartKey, silverStateKey, tableReportKey } from "./layout.js";
import { bronzeKeyOf, csvOf, QUIRKS, type ReplicaLake, replicaLake } from "./replica.test-util.js";
import { readFileReports } from "./report.js";
import type { SymbolState } from "./state.js";
import type { SilverRunSummary, TableReport } from "./types.js";

let lake: ReplicaLake;
let duck: Duck;
let first: SilverRunSummary;

const table = (dir: string, market: string, dt: string) =>
  `read_parquet('${join(dir, "lake", "silver", market, dt)}/**/*.parquet', hive_partitioning = true)`;

beforeAll(async () => {
  lake = await replicaLake([
    QUIRKS.spotKlinesUnitSwitch,
    QUIRKS.futuresHeaderSwitch,
    QUIRKS.textTimesAndDuplicates,
    QUIRKS.liquidationsTwice,
    // EOHSummary 0E-8 and "".
    {
      markets: ["options"],
      dataTypes: ["EOHSummary"],
      symbols: { options: ["BTCUSDT"] },
      start: "2023-06-01",
      end: "2023-06-01",
    },
    QUIRKS.monthlyKlines,
    QUIRKS.monthlyFundingRate,
  ]);
  duck = await openDuck();
  first = await convertBronze(lake.storage, {}, { runId: "first" });
}, 120_000);

afterAll(async () => {
  duck?.close();
  await lake?.cleanup();
});

const report = async (market: string, dt: string): Promise<TableReport> =>
  JSON.parse((await lake.storage.read(tableReportKey(market, dt)))!.toString("utf8")) as TableReport;

describe("convertBronze on replica data", () => {
  it("converts every bronze file of the lake, and records the run", async () => {
    expect(first.failures).toEqual([]);
    expect(first.counts.converted).toBe(lake.files.length);
    expect(first.status).toBe("completed");
    expect(await lake.storage.read("_meta/silver/runs/first.json")).toBeDefined();
  });

  it("lists the converted files' reports in the summary and from the stored states, by key and selection", async () => {
    const keys = first.files.map((f) => f.bronzeKey);
    expect(keys).toHaveLength(lake.files.length);
    expect(keys).toEqual([...keys].sort());
    expect(await readFileReports(lake.storage)).toEqual(first.files);
    const spot1h = await readFileReports(lake.storage, {
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1h"],
    });
    expect(spot1h.map((f) => f.bronzeKey)).toEqual(
      keys.filter((k) => k.startsWith("bronze/spot/klines/") && k.includes("/1h/")),
    );
    expect(spot1h.length).toBeGreaterThan(0);
  });

  it("spot klines across 2024-12-31 (ms) and 2025-01-01 (µs) have continuous open times", async () => {
    const rows = await duck.rows<{ t: string; c: string }>(
      `SELECT epoch_us(open_time) AS t, epoch_us(close_time) AS c FROM ${table(lake.dir, "spot", "klines")} WHERE interval = '1h' ORDER BY open_time`,
    );
    expect(rows).toHaveLength(48);
    expect(rows[0]!.t).toBe(String(Date.parse("2024-12-31T00:00:00Z") * 1000));
    for (let i = 1; i < rows.length; i++)
      expect(Number(rows[i]!.t) - Number(rows[i - 1]!.t)).toBe(3_600_000_000);
    // close_time keeps the file's own precision: …59.999 in ms files, …59.999999 in µs files.
    expect(Number(rows[23]!.c) - Number(rows[23]!.t)).toBe(3_600_000_000 - 1000);
    expect(Number(rows[24]!.c) - Number(rows[24]!.t)).toBe(3_600_000_000 - 1);
    const r = await report("spot", "klines");
    const series = r.series.find((s) => s.interval === "1h")!;
    expect(series.gaps).toEqual({ count: 0, missingBars: 0, gaps: [] });
    const state = JSON.parse(
      (await lake.storage.read(silverStateKey("spot", "klines", "BTCUSDT")))!.toString(),
    ) as SymbolState;
    const units = Object.values(state.files)
      .filter((f) => f.interval === "1h")
      .map((f) => [f.period, f.report!.timeUnit]);
    expect(units.sort()).toEqual([
      ["2024-12-31", "ms"],
      ["2025-01-01", "us"],
    ]);
  });

  it("reads futures files with and without a header row into one table", async () => {
    const state = JSON.parse(
      (await lake.storage.read(silverStateKey("futures_um", "klines", "BTCUSDT")))!.toString(),
    ) as SymbolState;
    const headers = Object.values(state.files).map((f) => [f.period, f.report!.header]);
    expect(headers.sort()).toEqual([
      ["2022-08-10", false],
      ["2022-08-11", true],
    ]);
    const [r] = await duck.rows<{ n: string; lo: string; hi: string }>(
      `SELECT count(*) AS n, min(open_time)::VARCHAR AS lo, max(open_time)::VARCHAR AS hi FROM ${table(lake.dir, "futures_um", "klines")}`,
    );
    expect(r).toEqual({ n: "12", lo: "2022-08-10 00:00:00+00", hi: "2022-08-11 20:00:00+00" });
  });

  it("turns metrics and bookDepth text datetimes into UTC timestamps, and drops the duplicated metrics rows", async () => {
    const metricsFile = lake.files.find((f) => f.dataType === "metrics")!;
    expect(metricsFile.rows).toBe(120); // 60 rows, each written twice
    const [m] = await duck.rows<{ n: string; first: string; ty: string; blanks: string }>(
      `SELECT count(*) AS n, min(create_time)::VARCHAR AS first, any_value(typeof(create_time)) AS ty, ` +
        `count(*) FILTER (WHERE count_toptrader_long_short_ratio IS NULL) AS blanks FROM ${table(lake.dir, "futures_um", "metrics")}`,
    );
    expect(m).toEqual({
      n: "60",
      first: "2021-01-01 00:00:00+00",
      ty: "TIMESTAMP WITH TIME ZONE",
      blanks: expect.stringMatching(/^[1-9]/),
    });
    const rm = await report("futures_um", "metrics");
    expect(rm.duplicatesDropped).toBe(60);
    expect(rm.duplicatePolicy).toMatch(/^distinct: every row appears twice/);
    const [b] = await duck.rows<{ t: string; ty: string }>(
      `SELECT min("timestamp")::VARCHAR AS t, any_value(typeof("timestamp")) AS ty FROM ${table(lake.dir, "futures_um", "bookDepth")}`,
    );
    expect(b).toEqual({ t: "2021-01-01 00:00:08+00", ty: "TIMESTAMP WITH TIME ZONE" });
  });

  it("drops the doubled liquidationSnapshot events, as documented", async () => {
    const f = lake.files.find((x) => x.dataType === "liquidationSnapshot")!;
    const [r] = await duck.rows<{ n: string }>(
      `SELECT count(*) AS n FROM ${table(lake.dir, "futures_cm", "liquidationSnapshot")}`,
    );
    expect(Number(r!.n) * 2).toBe(f.rows);
    expect((await report("futures_cm", "liquidationSnapshot")).duplicatesDropped).toBe(f.rows / 2);
  });

  it("reads EOHSummary 0E-8 as 0 and empty cells as NULL, with an hourly UTC time", async () => {
    const f = lake.files.find((x) => x.dataType === "EOHSummary")!;
    const csv = (await csvOf(lake.storage, bronzeKeyOf(f))).trim().split("\n");
    const header = splitCsvLine(csv[0]!);
    const zeroRow = splitCsvLine(csv[1]!);
    const blankRow = splitCsvLine(csv[2]!);
    expect(zeroRow[header.indexOf("open")]).toBe("0E-8");
    expect(blankRow[header.indexOf("best_bid_price")]).toBe("");
    const rows = await duck.rows<{
      option_symbol: string;
      open: string;
      best_bid_price: string | null;
      time: string;
      symbol: string;
    }>(
      `SELECT option_symbol, open, best_bid_price, time::VARCHAR AS time, symbol FROM ${table(lake.dir, "options", "EOHSummary")} ` +
        `WHERE option_symbol IN ('${zeroRow[2]}', '${blankRow[2]}') AND hour = 0 ORDER BY option_symbol = '${blankRow[2]}'`,
    );
    expect(rows[0]).toMatchObject({
      option_symbol: zeroRow[2],
      open: "0.000000000000000000",
      time: "2023-06-01 00:00:00+00",
      symbol: "BTCUSDT",
    });
    expect(rows[1]).toMatchObject({ option_symbol: blankRow[2], best_bid_price: null });
  });

  it("keeps every decimal exactly: CSV text and Parquet value agree digit for digit (20-digit 1mo quote volumes too)", async () => {
    const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    let checked = 0;
    let twenty = 0;
    for (const f of lake.files.filter((x) => x.market === "spot" && x.dataType === "klines")) {
      const lines = (await csvOf(lake.storage, bronzeKeyOf(f))).trim().split("\n").map(splitCsvLine);
      const part = lake.storage.localPath(silverPartKey({ ...f, bronzeKey: bronzeKeyOf(f) }));
      const got = await duck.rows<Record<string, string>>(
        `SELECT open::VARCHAR AS a, high::VARCHAR AS b, low::VARCHAR AS c, close::VARCHAR AS d, volume::VARCHAR AS e, ` +
          `quote_asset_volume::VARCHAR AS f, taker_buy_base_asset_volume::VARCHAR AS g, taker_buy_quote_asset_volume::VARCHAR AS h ` +
          `FROM read_parquet('${part}')`,
      );
      expect(got).toHaveLength(lines.length);
      lines.forEach((cells, i) => {
        const want = [1, 2, 3, 4, 5, 7, 9, 10].map((k) => strip(cells[k]!));
        expect(Object.values(got[i]!).map(strip)).toEqual(want);
        if (cells[7]!.replace(".", "").replace(/^0+/, "").length >= 20) twenty++;
        checked += want.length;
      });
    }
    expect(checked).toBeGreaterThan(300);
    expect(twenty).toBeGreaterThanOrEqual(2);
  });

  it("reports the hole in a series as missing bars (1mo: 2024-02 left out by the replica)", async () => {
    const r = await report("spot", "klines");
    const series = r.series.find((s) => s.interval === "1mo")!;
    expect(series.files).toBe(2);
    expect(series.gaps).toMatchObject({
      count: 1,
      missingBars: 1,
      gaps: [{ after: "2024-01-01T00:00:00.000000Z", before: "2024-03-01T00:00:00.000000Z", missing: 1 }],
    });
  });

  it("lays silver out hive-style, readable in one call with every partition column", async () => {
    const keys: string[] = [];
    for await (const o of lake.storage.list("silver/")) keys.push(o.key);
    expect(keys).toContain(
      "silver/spot/klines/symbol=BTCUSDT/interval=1h/month=2025-01/BTCUSDT-1h-2025-01-01.parquet",
    );
    expect(keys).toContain(
      "silver/futures_um/fundingRate/symbol=BTCUSDT/month=2024-01/BTCUSDT-fundingRate-2024-01.parquet",
    );
    const [r] = await duck.rows<{ n: string; months: string }>(
      `SELECT count(DISTINCT symbol || interval) AS n, string_agg(DISTINCT month, ',' ORDER BY month) AS months FROM ${table(lake.dir, "spot", "klines")}`,
    );
    expect(r).toEqual({ n: "2", months: "2024-01,2024-03,2024-12,2025-01" });
    const text = await readFile(lake.storage.localPath(tableReportKey("spot", "klines")), "utf8");
    expect(JSON.parse(text)).toMatchObject({ view: "spot_klines", files: 4, rows: 50 });
  });

  it("names each row's bronze file and its sha256 (lineage), one file per part, even when many share a statement", async () => {
    const parts = await duck.rows<{ part: string; key: string; sha: string; n: string; keys: string }>(
      `SELECT filename AS part, any_value(source_key) AS key, any_value(source_sha256) AS sha, count(*) AS n, ` +
        `count(DISTINCT (source_key, source_sha256)) AS keys FROM read_parquet('${join(lake.dir, "lake", "silver")}/**/*.parquet', filename = true) GROUP BY ALL`,
    );
    const byKey = new Map(lake.files.map((f) => [bronzeKeyOf(f), f]));
    const reports = new Map(first.files.map((f) => [f.bronzeKey, f]));
    expect(parts.length).toBe(first.files.filter((f) => f.silverKey).length);
    for (const p of parts) {
      expect(p.keys).toBe("1");
      expect(byKey.get(p.key)?.sha256).toBe(p.sha);
      expect(p.part).toBe(lake.storage.localPath(reports.get(p.key)!.silverKey!));
      expect(Number(p.n)).toBe(reports.get(p.key)!.rows);
    }
  });
});
