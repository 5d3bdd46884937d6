// Incremental, idempotent builds: only new or changed bronze files convert, bad files are reported and skipped,
// monthly files supersede the daily files of their month, and a store without local paths works the same.
import { copyFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StorageBackend } from "@crypto-lakehouse/core";
import { createLocalStorage, type LocalStorageBackend } from "@crypto-lakehouse/storage-local";
import { generateReplica } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertBronze } from "./build.js";
import { type Duck, openDuck } from "./duck.js";
import { silverStateKey } from "./layout.js";
import {
  bronzeKeyOf,
  csvOf,
  type ReplicaLake,
  replicaLake,
  tempDir,
  writeRecord,
  zipOf,
} from "./replica.test-util.js";
import type { SymbolState } from "./state.js";

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const count = async (storage: LocalStorageBackend, market: string, dt: string, where = "true") => {
  const glob = join(storage.root, "silver", market, dt, "**", "*.parquet");
  const [r] = await duck.rows<{ n: string }>(
    `SELECT count(*) AS n FROM read_parquet('${glob}', hive_partitioning = true) WHERE ${where}`,
  );
  return Number(r!.n);
};

/** The same local store seen as a remote one: no local paths, so zips are read through `get`. */
function withoutLocalPaths(s: LocalStorageBackend): StorageBackend {
  return {
    kind: "storage",
    id: "local-as-remote",
    location: `${s.location} (read as remote)`,
    checkWritable: () => s.checkWritable(),
    head: (k) => s.head(k),
    put: (k, src, o) => s.put(k, src, o),
    get: (k) => s.get(k),
    read: (k) => s.read(k),
    list: (p) => s.list(p),
    delete: (k) => s.delete(k),
  };
}

describe("incremental builds", () => {
  let lake: ReplicaLake;
  beforeAll(async () => {
    lake = await replicaLake([
      {
        markets: ["futures_um"],
        dataTypes: ["klines"],
        symbols: { futures_um: ["BTCUSDT", "ETHUSDT"] },
        intervals: ["1d"],
        start: "2024-01-01",
        end: "2024-01-03",
        partitions: ["daily"],
      },
      {
        markets: ["futures_um"],
        dataTypes: ["fundingRate"],
        symbols: { futures_um: ["BTCUSDT", "ETHUSDT"] },
        start: "2024-01-01",
        end: "2024-01-31",
      },
    ]);
  }, 60_000);
  afterAll(() => lake.cleanup());

  it("converts only what is new or changed, and reports bad files without stopping the others", async () => {
    const total = lake.files.length;
    const one = await convertBronze(lake.storage, {}, { runId: "one" });
    expect(one.counts).toEqual({ converted: total, unchanged: 0, superseded: 0, failed: 0 });

    const again = await convertBronze(lake.storage, {}, { runId: "two" });
    expect(again.counts).toEqual({ converted: 0, unchanged: total, superseded: 0, failed: 0 });

    // Stored again with the same bytes (new mtime): the collect record's sha256 says nothing changed.
    const daily = lake.files.find(
      (f) => f.dataType === "klines" && f.symbol === "BTCUSDT" && f.period === "2024-01-03",
    )!;
    const path = lake.storage.localPath(bronzeKeyOf(daily));
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect((await convertBronze(lake.storage, {}, { runId: "touched" })).counts.converted).toBe(0);

    // Re-published with other bytes: converted again, and silver follows.
    const other = await generateReplica({
      outDir: join(lake.dir, "seed2"),
      markets: ["futures_um"],
      dataTypes: ["klines"],
      symbols: { futures_um: ["BTCUSDT"] },
      intervals: ["1d"],
      start: "2024-01-03",
      end: "2024-01-03",
      partitions: ["daily"],
      seed: 2,
    });
    const changed = other.files[0]!;
    await copyFile(join(other.root, ...changed.key.split("/")), path);
    await writeRecord(lake.storage, changed);
    const csvClose = (await csvOf(lake.storage, bronzeKeyOf(changed)))
      .trim()
      .split("\n")
      .at(-1)!
      .split(",")[4]!;

    // A corrupt zip and a CSV with a non-number in a price column.
    const corrupt = "bronze/futures_um/klines/daily/ETHUSDT/1d/ETHUSDT-1d-2024-01-04.zip";
    await writeFile(lake.storage.localPath(corrupt), "this is not a zip");
    const badRow = "bronze/futures_um/klines/daily/ETHUSDT/1d/ETHUSDT-1d-2024-01-05.zip";
    await writeFile(
      lake.storage.localPath(badRow),
      zipOf(
        "ETHUSDT-1d-2024-01-05.csv",
        "1704412800000,2200.10,2250.00,2190.00,abc,1000.5,1704499199999,2200000.5,5000,500.2,1100000.1,0\n",
      ),
    );

    const three = await convertBronze(lake.storage, {}, { runId: "three" });
    expect(three.counts).toEqual({ converted: 1, unchanged: total - 1, superseded: 0, failed: 2 });
    expect(three.status).toBe("completed_with_failures");
    expect(three.failures.map((f) => f.key).sort()).toEqual([corrupt, badRow]);
    expect(three.failures.find((f) => f.key === corrupt)!.reason).toMatch(/zip/i);
    expect(three.failures.find((f) => f.key === badRow)!.reason).toMatch(/abc/);
    const [row] = await duck.rows<{ close: string }>(
      `SELECT close::VARCHAR AS close FROM read_parquet('${join(lake.storage.root, "silver/futures_um/klines/symbol=BTCUSDT/interval=1d/month=2024-01/BTCUSDT-1d-2024-01-03.parquet")}')`,
    );
    expect(Number(row!.close)).toBe(Number(csvClose));

    // Failed files are tried again next time (and still fail); nothing else moves.
    const four = await convertBronze(lake.storage, {}, { runId: "four" });
    expect(four.counts).toEqual({ converted: 0, unchanged: total, superseded: 0, failed: 2 });
    await rm(lake.storage.localPath(corrupt));
    await rm(lake.storage.localPath(badRow));
  });

  it("converts what a selection names and nothing else", async () => {
    const s = await convertBronze(
      lake.storage,
      { dataTypes: ["fundingRate"], symbols: ["ETH*"] },
      { runId: "sel", force: true },
    );
    expect(s.planned).toBe(1);
    expect(s.counts.converted).toBe(1);
  });
});

describe("daily and monthly files of one series", () => {
  let lake: ReplicaLake;
  beforeAll(async () => {
    lake = await replicaLake([
      {
        markets: ["spot"],
        dataTypes: ["klines"],
        symbols: { spot: ["BTCUSDT"] },
        intervals: ["1d"],
        start: "2024-01-01",
        end: "2024-01-31",
        partitions: ["daily", "monthly"],
      },
    ]);
  }, 60_000);
  afterAll(() => lake.cleanup());

  it("never double counts: a converted monthly file supersedes its month's daily files (and removes their parts)", async () => {
    const monthly = lake.files.find((f) => f.partition === "monthly")!;
    const dailies = lake.files.filter((f) => f.partition === "daily");
    // First only the daily files are in bronze.
    const monthlyPath = lake.storage.localPath(bronzeKeyOf(monthly));
    const aside = `${monthlyPath}.aside`;
    await copyFile(monthlyPath, aside);
    await rm(monthlyPath);
    const d = await convertBronze(lake.storage, {}, { runId: "daily" });
    expect(d.counts.converted).toBe(dailies.length);
    expect(await count(lake.storage, "spot", "klines")).toBe(dailies.length);

    // The monthly file arrives: it wins, the daily parts go.
    await copyFile(aside, monthlyPath);
    await rm(aside);
    const m = await convertBronze(lake.storage, {}, { runId: "monthly" });
    expect(m.counts).toEqual({ converted: 1, unchanged: 0, superseded: dailies.length, failed: 0 });
    expect(await count(lake.storage, "spot", "klines")).toBe(31);
    const parts = await readdir(
      join(lake.storage.root, "silver/spot/klines/symbol=BTCUSDT/interval=1d/month=2024-01"),
    );
    expect(parts).toEqual(["BTCUSDT-1d-2024-01.parquet"]);
    const state = JSON.parse(
      (await lake.storage.read(silverStateKey("spot", "klines", "BTCUSDT")))!.toString(),
    ) as SymbolState;
    expect(
      Object.values(state.files).filter(
        (f) => f.status === "superseded" && f.supersededBy === bronzeKeyOf(monthly),
      ),
    ).toHaveLength(dailies.length);
    const table = m.tables.find((t) => t.dataType === "klines")!;
    expect(table).toMatchObject({ files: 1, superseded: dailies.length, rows: 31 });
  });
});

describe("a store without local paths", () => {
  it("converts through get() into the same silver", async () => {
    const lake = await replicaLake([
      {
        markets: ["spot"],
        dataTypes: ["trades"],
        symbols: { spot: ["BTCUSDT"] },
        start: "2024-12-31",
        end: "2025-01-01",
        partitions: ["daily"],
      },
    ]);
    try {
      const s = await convertBronze(
        withoutLocalPaths(lake.storage),
        {},
        { runId: "remote", tempDir: lake.dir },
      );
      expect(s.failures).toEqual([]);
      expect(s.counts.converted).toBe(2);
      expect(s.output).toMatch(/read as remote/);
      expect(await count(lake.storage, "spot", "trades")).toBe(lake.files.reduce((n, f) => n + f.rows, 0));
      // The scratch folder is cleaned up.
      expect((await readdir(lake.dir)).filter((n) => n.startsWith("silver-"))).toEqual([]);
    } finally {
      await lake.cleanup();
    }
  });
});

describe("kline quality inside one file", () => {
  it("reports missing bars, drops exact repeats, and counts differing bars that share an open time", async () => {
    const dir = await tempDir("gaps");
    const storage = createLocalStorage({ root: join(dir, "lake") });
    try {
      const h = 3_600_000;
      const t0 = Date.parse("2024-03-01T00:00:00Z");
      const bar = (i: number, close = "100.5") =>
        `${t0 + i * h},100.0,101.0,99.5,${close},10.5,${t0 + (i + 1) * h - 1},1050.25,42,5.25,525.125,0`;
      // Bars 3 and 4 are missing; bar 1 appears twice exactly; bar 6 twice with different closes.
      const rows = [bar(0), bar(1), bar(1), bar(2), bar(5), bar(6), bar(6, "100.7"), bar(7)];
      const key = "bronze/spot/klines/daily/BTCUSDT/1h/BTCUSDT-1h-2024-03-01.zip";
      await storage.put(key, { data: zipOf("BTCUSDT-1h-2024-03-01.csv", `${rows.join("\n")}\n`) });
      const s = await convertBronze(storage, {}, { runId: "gaps" });
      expect(s.failures).toEqual([]);
      const state = JSON.parse(
        (await storage.read(silverStateKey("spot", "klines", "BTCUSDT")))!.toString(),
      ) as SymbolState;
      const report = state.files[key]!.report!;
      expect(report).toMatchObject({ csvRows: 8, rows: 7, duplicatesDropped: 1, keyConflicts: 1 });
      expect(report.gaps).toEqual({
        count: 1,
        missingBars: 2,
        gaps: [{ after: "2024-03-01T02:00:00.000000Z", before: "2024-03-01T05:00:00.000000Z", missing: 2 }],
      });
      expect(report.notes).toEqual(["1 rows share an open_time with a different row (kept)"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
