// Silver is readable in one call by pyarrow, pandas, polars and Spark, and each of them sees what DuckDB sees:
// rows, columns and types, partition columns and values, UTC instants, and exact decimals (readers.py does the reading).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertBronze } from "./build.js";
import { type Duck, openDuck } from "./duck.js";
import { silverStateKey } from "./layout.js";
import { QUIRKS, type ReplicaLake, replicaLake } from "./replica.test-util.js";
import { ident } from "./sql.js";
import type { FileState, SymbolState } from "./state.js";
import type { FileReport } from "./types.js";

const READERS = ["pyarrow", "pandas", "polars", "spark"] as const;
type Reader = (typeof READERS)[number];

/** The interpreter of the venv scripts/setup-python.sh builds. */
const PYTHON =
  process.env.LAKEHOUSE_PYTHON ??
  join(
    process.env.CRYPTO_LAKEHOUSE_VENV ?? join(homedir(), ".cache", "crypto-lakehouse", "python"),
    "bin",
    "python",
  );

interface TableSpec {
  name: string;
  market: string;
  dataType: string;
  /** Time column (min, max and sum compared as UTC epoch microseconds). */
  time: string;
  /** Decimal column (max and sum compared digit for digit, NULLs counted). */
  decimal: string;
  partitions: string[];
}

/** What one reader (or DuckDB) saw of a table; see readers.py. */
interface Answer {
  ok: boolean;
  error?: string;
  trace?: string;
  seconds?: number;
  rows: number;
  columns: { name: string; type: string; canonical: string }[];
  partitions: Record<string, string[]>;
  timeMinUs: string;
  timeMaxUs: string;
  timeSumUs: string;
  decimalMax: string | null;
  decimalSum: string | null;
  decimalNulls: number;
}

interface PythonOutput {
  versions: Record<string, string>;
  tables: Record<string, Record<Reader, Answer>>;
}

const TABLES: TableSpec[] = [
  // ms (2024-12-31) and µs (2025-01-01) files; 1mo quote volumes with 20 significant digits.
  {
    name: "spot_klines",
    market: "spot",
    dataType: "klines",
    time: "open_time",
    decimal: "quote_asset_volume",
  },
  // Booleans (True/False), ms and µs files.
  { name: "spot_trades", market: "spot", dataType: "trades", time: "time", decimal: "quote_qty" },
  // Headerless (2022-08-10) and headered (2022-08-11) files.
  {
    name: "futures_um_klines",
    market: "futures_um",
    dataType: "klines",
    time: "open_time",
    decimal: "quote_volume",
  },
  // Text datetimes, 16-decimal ratios with empty cells.
  {
    name: "futures_um_metrics",
    market: "futures_um",
    dataType: "metrics",
    time: "create_time",
    decimal: "count_toptrader_long_short_ratio",
  },
  {
    name: "futures_um_bookDepth",
    market: "futures_um",
    dataType: "bookDepth",
    time: "timestamp",
    decimal: "notional",
  },
  // A monthly file.
  {
    name: "futures_um_fundingRate",
    market: "futures_um",
    dataType: "fundingRate",
    time: "calc_time",
    decimal: "last_funding_rate",
  },
  {
    name: "futures_cm_liquidationSnapshot",
    market: "futures_cm",
    dataType: "liquidationSnapshot",
    time: "time",
    decimal: "price",
  },
  // A DATE column, the derived `time`, option_symbol, 0E-8 and empty cells.
  {
    name: "options_EOHSummary",
    market: "options",
    dataType: "EOHSummary",
    time: "time",
    decimal: "best_bid_price",
  },
  {
    name: "options_BVOLIndex",
    market: "options",
    dataType: "BVOLIndex",
    time: "calc_time",
    decimal: "index_value",
  },
].map((t) => ({
  ...t,
  partitions: t.dataType === "klines" ? ["symbol", "interval", "month"] : ["symbol", "month"],
}));

/** DuckDB type → the reader-neutral names readers.py prints. */
function canonical(duckType: string): string {
  const d = /^DECIMAL\((\d+),(\d+)\)$/.exec(duckType);
  if (d) return `decimal(${d[1]},${d[2]})`;
  const map: Record<string, string> = {
    "TIMESTAMP WITH TIME ZONE": "timestamp(us,UTC)",
    BIGINT: "int64",
    INTEGER: "int32",
    DOUBLE: "float64",
    BOOLEAN: "bool",
    DATE: "date",
    VARCHAR: "string",
  };
  return map[duckType] ?? duckType;
}

/** What a reader must report for a column DuckDB types as `duck`: pandas holds decimals as exact Decimal objects. */
function expectedType(reader: Reader, duck: string): string {
  const d = /^decimal\(\d+,(\d+)\)$/.exec(duck);
  if (reader === "pandas" && d) return `decimal(object,${d[1]})`;
  return duck;
}

let lake: ReplicaLake;
let duck: Duck;
let py: PythonOutput;
const duckAnswers = new Map<string, Answer>();
const tableDir = (t: TableSpec) => join(lake.dir, "lake", "silver", t.market, t.dataType);

async function duckAnswer(t: TableSpec): Promise<Answer> {
  const from = `read_parquet('${tableDir(t)}/**/*.parquet', hive_partitioning = true)`;
  const cols = await duck.rows<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM ${from}`,
  );
  const [r] = await duck.rows<Record<string, string>>(
    `SELECT count(*) AS n, epoch_us(min(${ident(t.time)})) AS lo, epoch_us(max(${ident(t.time)})) AS hi, ` +
      `sum(epoch_us(${ident(t.time)}))::VARCHAR AS tsum, max(${ident(t.decimal)})::VARCHAR AS dmax, ` +
      `sum(${ident(t.decimal)})::VARCHAR AS dsum, count(*) FILTER (WHERE ${ident(t.decimal)} IS NULL) AS dnulls FROM ${from}`,
  );
  const partitions: Record<string, string[]> = {};
  for (const p of t.partitions) {
    const vals = await duck.rows<{ v: string }>(
      `SELECT DISTINCT ${ident(p)}::VARCHAR AS v FROM ${from} ORDER BY v`,
    );
    partitions[p] = vals.map((v) => v.v);
  }
  return {
    ok: true,
    rows: Number(r!.n),
    columns: cols.map((c) => ({
      name: c.column_name,
      type: c.column_type,
      canonical: canonical(c.column_type),
    })),
    partitions,
    timeMinUs: String(r!.lo),
    timeMaxUs: String(r!.hi),
    timeSumUs: r!.tsum!,
    decimalMax: r!.dmax ?? null,
    decimalSum: r!.dsum ?? null,
    decimalNulls: Number(r!.dnulls),
  };
}

function runPython(specPath: string): Promise<PythonOutput> {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `No Python for the silver reader test at ${PYTHON}: run \`bash scripts/setup-python.sh\` (or set LAKEHOUSE_PYTHON)`,
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(import.meta.dirname, "readers.py"), specPath],
      { maxBuffer: 64 * 1024 * 1024, timeout: 240_000, env: { ...process.env, PYSPARK_PYTHON: PYTHON } },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `readers.py failed (${err.message.split("\n")[0]}); if a package is missing run \`bash scripts/setup-python.sh\`.\n${stderr.slice(-4000)}`,
            ),
          );
          return;
        }
        try {
          resolve(JSON.parse(stdout) as PythonOutput);
        } catch (e) {
          reject(
            new Error(
              `readers.py printed no JSON (${(e as Error).message}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`,
            ),
          );
        }
      },
    );
  });
}

beforeAll(async () => {
  lake = await replicaLake([
    QUIRKS.spotKlinesUnitSwitch,
    QUIRKS.monthlyKlines,
    {
      markets: ["spot"],
      dataTypes: ["trades"],
      symbols: { spot: ["BTCUSDT"] },
      partitions: ["daily"],
      start: "2024-12-31",
      end: "2025-01-01",
    },
    QUIRKS.futuresHeaderSwitch,
    QUIRKS.textTimesAndDuplicates,
    QUIRKS.monthlyFundingRate,
    QUIRKS.liquidationsTwice,
    {
      markets: ["options"],
      dataTypes: ["EOHSummary", "BVOLIndex"],
      symbols: { options: ["BTCUSDT", "BTCBVOLUSDT"] },
      start: "2023-06-01",
      end: "2023-06-01",
    },
  ]);
  const s = await convertBronze(lake.storage, {}, { runId: "readers" });
  expect(s.failures).toEqual([]);
  duck = await openDuck();
  for (const t of TABLES) duckAnswers.set(t.name, await duckAnswer(t));
  const specPath = join(lake.dir, "readers.json");
  await writeFile(
    specPath,
    JSON.stringify({
      readers: READERS,
      tables: TABLES.map((t) => ({
        name: t.name,
        dir: tableDir(t),
        time: t.time,
        decimal: t.decimal,
        partitions: t.partitions,
      })),
    }),
  );
  py = await runPython(specPath);
}, 300_000);

afterAll(async () => {
  duck?.close();
  await lake?.cleanup();
});

describe("silver read by pyarrow, pandas, polars and Spark", () => {
  it("builds a lake with every table the readers are asked about, quirks included", async () => {
    for (const t of TABLES) expect(duckAnswers.get(t.name)!.rows, t.name).toBeGreaterThan(0);
    expect(Object.keys(py.tables).sort()).toEqual(TABLES.map((t) => t.name).sort());
    const files = async (market: string, dt: string) =>
      Object.values(
        (
          JSON.parse(
            (await lake.storage.read(silverStateKey(market, dt, "BTCUSDT")))!.toString("utf8"),
          ) as SymbolState
        ).files,
      );
    const seen = (fs: FileState[], f: (r: FileReport) => unknown) =>
      [...new Set(fs.map((x) => String(f(x.report!))))].sort();
    expect(seen(await files("spot", "klines"), (r) => r.timeUnit)).toEqual(["ms", "us"]);
    expect(seen(await files("spot", "trades"), (r) => r.timeUnit)).toEqual(["ms", "us"]);
    expect(seen(await files("futures_um", "klines"), (r) => r.header)).toEqual(["false", "true"]);
    expect(seen(await files("futures_um", "metrics"), (r) => r.timeUnit)).toEqual(["text"]);
    expect((await files("futures_um", "fundingRate")).map((f) => f.partition)).toEqual(["monthly"]);
  });

  for (const reader of READERS) {
    describe(reader, () => {
      for (const t of TABLES) {
        it(`reads ${t.name} in one call and agrees with DuckDB`, () => {
          const want = duckAnswers.get(t.name)!;
          const got = py.tables[t.name]![reader];
          expect(got.ok, `${reader} on ${t.name}: ${got.error}\n${got.trace}`).toBe(true);
          expect(got.rows).toBe(want.rows);
          // Same columns (partition columns included, none twice) with the same types.
          const types = (a: Answer, r?: Reader) =>
            Object.fromEntries(
              a.columns.map((c) => [c.name, r ? expectedType(r, c.canonical) : c.canonical]),
            );
          expect(got.columns.map((c) => c.name).sort()).toEqual(want.columns.map((c) => c.name).sort());
          expect(types(got)).toEqual(types(want, reader));
          for (const p of t.partitions) expect(types(got)[p], `${reader} ${t.name}.${p}`).toBe("string");
          expect(got.partitions).toEqual(want.partitions);
          // The same UTC instants, to the microsecond.
          expect([got.timeMinUs, got.timeMaxUs, got.timeSumUs]).toEqual([
            want.timeMinUs,
            want.timeMaxUs,
            want.timeSumUs,
          ]);
          // Decimals exact: the same digits and scale as DuckDB prints them (a float would lose them).
          expect(got.decimalMax).toBe(want.decimalMax);
          expect(got.decimalSum).toBe(want.decimalSum);
          expect(got.decimalNulls).toBe(want.decimalNulls);
        });
      }
    });
  }
});
