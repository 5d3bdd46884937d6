// SQL over silver (a view per table, also from a store without local paths) and the daily_ohlcv gold table.
import { join } from "node:path";
import type { StorageBackend } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertBronze } from "./build.js";
import { buildGold } from "./gold.js";
import { openSqlSession } from "./query.js";
import { type ReplicaLake, replicaLake } from "./replica.test-util.js";

let lake: ReplicaLake;
beforeAll(async () => {
  lake = await replicaLake([
    {
      markets: ["spot"],
      dataTypes: ["klines"],
      symbols: { spot: ["BTCUSDT"] },
      intervals: ["1h", "1d"],
      partitions: ["daily"],
      start: "2024-12-31",
      end: "2025-01-01",
    },
    {
      markets: ["futures_um"],
      dataTypes: ["klines"],
      symbols: { futures_um: ["ETHUSDT"] },
      intervals: ["4h"],
      partitions: ["daily"],
      start: "2024-12-31",
      end: "2025-01-01",
    },
    {
      markets: ["futures_um"],
      dataTypes: ["fundingRate"],
      symbols: { futures_um: ["BTCUSDT"] },
      start: "2024-12-01",
      end: "2024-12-31",
    },
  ]);
  const s = await convertBronze(lake.storage, {}, { runId: "q" });
  expect(s.failures).toEqual([]);
}, 60_000);
afterAll(() => lake.cleanup());

/** The lake as a store without local paths; counts the objects fetched. */
const remote = (s: ReplicaLake["storage"], fetched: string[] = []): StorageBackend => ({
  kind: "storage",
  id: "local-as-remote",
  location: `${s.location}#remote`,
  checkWritable: () => s.checkWritable(),
  head: (k) => s.head(k),
  put: (k, src, o) => s.put(k, src, o),
  get: (k) => {
    fetched.push(k);
    return s.get(k);
  },
  read: (k) => s.read(k),
  list: (p) => s.list(p),
  delete: (k) => s.delete(k),
});

describe("SQL over silver", () => {
  it("offers every table as a view named <market>_<dataType>, partition columns first", async () => {
    const session = await openSqlSession(lake.storage);
    try {
      expect(session.views.map((v) => v.view)).toEqual([
        "futures_um_fundingRate",
        "futures_um_klines",
        "spot_klines",
      ]);
      const [r] = await session.duck.rows<Record<string, unknown>>(
        "SELECT count(*) AS n, min(open_time)::VARCHAR AS lo FROM spot_klines WHERE symbol = 'BTCUSDT' AND interval = '1h'",
      );
      expect(r).toEqual({ n: "48", lo: "2024-12-31 00:00:00+00" });
      const cols = await session.duck.rows<{ column_name: string }>(
        "SELECT column_name FROM (DESCRIBE spot_klines)",
      );
      expect(cols.slice(0, 3).map((c) => c.column_name)).toEqual(["symbol", "interval", "open_time"]);
      const [f] = await session.duck.rows<{ n: string; ty: string }>(
        "SELECT count(*) AS n, any_value(typeof(last_funding_rate)) AS ty FROM futures_um_fundingRate",
      );
      expect(f).toEqual({ n: expect.stringMatching(/^[1-9]/), ty: "DECIMAL(38,18)" });
    } finally {
      session.close();
    }
  });

  it("mirrors a store without local paths into a cache folder, fetching only what changed", async () => {
    const cacheDir = join(lake.dir, "cache");
    const first: string[] = [];
    const a = await openSqlSession(remote(lake.storage, first), { cacheDir });
    const [r] = await a.duck.rows<{ n: string }>("SELECT count(*) AS n FROM spot_klines");
    a.close();
    expect(a.root).toBe(cacheDir);
    expect(Number(r!.n)).toBe(50);
    expect(first.length).toBe(a.views.reduce((n, v) => n + v.files, 0));
    const second: string[] = [];
    const b = await openSqlSession(remote(lake.storage, second), { cacheDir });
    b.close();
    expect(b.views.map((v) => v.view)).toEqual(a.views.map((v) => v.view));
    expect(second).toEqual([]);
  });
});

describe("gold daily_ohlcv", () => {
  it("builds one row per market, symbol and day from the coarsest complete interval", async () => {
    const g = await buildGold(lake.storage, "daily_ohlcv");
    expect(g.keys.sort()).toEqual([
      "gold/daily_ohlcv/market=futures_um/part-0.parquet",
      "gold/daily_ohlcv/market=spot/part-0.parquet",
    ]);
    expect(g.rows).toBe(4);
    const session = await openSqlSession(lake.storage);
    try {
      expect(session.views.map((v) => v.view)).toContain("gold_daily_ohlcv");
      const rows = await session.duck.rows<Record<string, string | boolean>>(
        "SELECT market, symbol, date::VARCHAR AS date, source_interval, bars, complete FROM gold_daily_ohlcv ORDER BY market, date",
      );
      expect(rows).toEqual([
        {
          market: "futures_um",
          symbol: "ETHUSDT",
          date: "2024-12-31",
          source_interval: "4h",
          bars: "6",
          complete: true,
        },
        {
          market: "futures_um",
          symbol: "ETHUSDT",
          date: "2025-01-01",
          source_interval: "4h",
          bars: "6",
          complete: true,
        },
        {
          market: "spot",
          symbol: "BTCUSDT",
          date: "2024-12-31",
          source_interval: "1d",
          bars: "1",
          complete: true,
        },
        {
          market: "spot",
          symbol: "BTCUSDT",
          date: "2025-01-01",
          source_interval: "1d",
          bars: "1",
          complete: true,
        },
      ]);
      // The spot day is the 1d bar itself; the futures day aggregates its six 4h bars.
      const [spot] = await session.duck.rows<{ same: boolean }>(
        "SELECT g.open = k.open AND g.high = k.high AND g.low = k.low AND g.close = k.close AND g.volume = k.volume AS same " +
          "FROM gold_daily_ohlcv g JOIN spot_klines k ON k.interval = '1d' AND CAST(k.open_time AS DATE) = g.date AND g.market = 'spot' WHERE g.date = '2025-01-01'",
      );
      expect(spot).toEqual({ same: true });
      const [fut] = await session.duck.rows<{ same: boolean }>(
        "WITH k AS (SELECT arg_min(open, open_time) AS o, max(high) AS h, min(low) AS l, arg_max(close, open_time) AS c, sum(volume) AS v, sum(count) AS n " +
          "FROM futures_um_klines WHERE CAST(open_time AS DATE) = '2024-12-31') " +
          "SELECT g.open = k.o AND g.high = k.h AND g.low = k.l AND g.close = k.c AND g.volume = k.v AND g.trades = k.n AS same " +
          "FROM gold_daily_ohlcv g, k WHERE g.market = 'futures_um' AND g.date = '2024-12-31'",
      );
      expect(fut).toEqual({ same: true });
    } finally {
      session.close();
    }
  });
});
