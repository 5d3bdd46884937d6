// The market contract suite: vitest cases every market plugin (the built-in four, third-party ones) must pass — keys
// that round-trip, a valid matrix fragment, and CSV schemas that match what the replica writes for the market.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ColumnType,
  type CsvSchema,
  composeMatrix,
  type DataTypeSpec,
  type FileRef,
  formatZodIssues,
  MarketMatrixSchema,
  type MarketPlugin,
  type Partition,
} from "@crypto-lakehouse/core";
import {
  generateReplica,
  type ReplicaFile,
  type ReplicaOptions,
  replicaSymbolFor,
} from "@crypto-lakehouse/replica";
import { afterAll, describe, expect, it } from "vitest";

export interface MarketContractOptions {
  /** Symbols to build keys and replica files with (default: the market's `replica.sampleSymbols`). */
  symbols?: readonly string[];
}

const PERIOD: Record<Partition, string> = { daily: "2024-01-15", monthly: "2024-01" };

/** A cell of each column type, as the archive writes it. */
const CELL: Record<ColumnType, RegExp> = {
  int: /^-?\d+$/,
  decimal: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/,
  bool: /^(true|false|True|False)$/,
  time: /^\d+$/,
  datetime: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  string: /^[^,]+$/,
};

/** Every file the fragment allows for one symbol and one period per partition. */
function allowedRefs(plugin: MarketPlugin, symbolFor: (dataType: string) => string | undefined): FileRef[] {
  const out: FileRef[] = [];
  for (const [dataType, spec] of Object.entries(plugin.matrix.dataTypes)) {
    const symbol = symbolFor(dataType);
    if (!symbol) continue;
    for (const partition of spec.partitions) {
      const base = { market: plugin.id, partition, dataType, symbol, period: PERIOD[partition] };
      if (spec.keyShape === "interval") {
        for (const interval of spec.intervals?.[partition] ?? []) out.push({ ...base, interval });
      } else out.push(base);
    }
  }
  return out;
}

/** A day (or month, `YYYY-MM-01`…end) inside the data type's published window, where the replica writes a file. */
function replicaRange(spec: DataTypeSpec): { partition: Partition; start: string; end: string } | undefined {
  const daily = spec.partitions.includes("daily") && !spec.windows?.daily?.empty;
  if (daily) {
    const w = spec.windows?.daily;
    const day = w?.from ?? w?.to ?? PERIOD.daily;
    return { partition: "daily", start: day, end: day };
  }
  if (!spec.partitions.includes("monthly") || spec.windows?.monthly?.empty) return undefined;
  const w = spec.windows?.monthly;
  let month = (w?.from ?? w?.to ?? `${PERIOD.monthly}-01`).slice(0, 7);
  // A window opening mid-month publishes its first monthly file for the next month.
  if (w?.from && !w.from.endsWith("-01")) {
    const d = new Date(`${month}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    month = d.toISOString().slice(0, 7);
  }
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0));
  return { partition: "monthly", start: `${month}-01`, end: last.toISOString().slice(0, 10) };
}

/** The day after `day` (YYYY-MM-DD). */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The CSV text of a replica zip (one member), read with yauzl (CRC checked). */
async function csvOf(path: string): Promise<string> {
  const { default: yauzl } = await import("yauzl");
  const buffer = await readFile(path);
  const zip = await new Promise<import("yauzl").ZipFile>((ok, fail) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))),
  );
  const entry = await new Promise<import("yauzl").Entry>((ok, fail) => {
    zip.once("entry", ok);
    zip.once("error", fail);
    zip.readEntry();
  });
  const chunks: Buffer[] = [];
  for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
  zip.close();
  return Buffer.concat(chunks).toString("utf8");
}

/** Problems of one generated file against the market's CSV schema: header, cell count, cell shapes. */
function csvProblems(text: string, csv: CsvSchema, file: ReplicaFile): string[] {
  const names = csv.columns.map((c) => c.name);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const problems: string[] = [];
  const headerExpected = csv.header !== "never";
  if (headerExpected && lines[0] !== names.join(","))
    problems.push(`header is '${lines[0]}', schema says '${names}'`);
  const rows = headerExpected ? lines.slice(1) : lines;
  if (rows.length === 0) problems.push("no data rows");
  for (const [i, row] of rows.entries()) {
    const cells = row.split(",");
    if (cells.length !== names.length) {
      problems.push(`row ${i + 1} has ${cells.length} cells, the schema ${names.length} columns`);
      continue;
    }
    cells.forEach((cell, c) => {
      const col = csv.columns[c]!;
      const shape = col.type === "time" && csv.timeUnit === "text" ? CELL.datetime : CELL[col.type];
      // The archive leaves decimal cells empty where there is no value (an options book side, a missing ratio).
      if (cell === "" && col.type === "decimal") return;
      if (!shape.test(cell)) problems.push(`row ${i + 1} ${col.name} (${col.type}): '${cell}'`);
    });
  }
  return problems.map((p) => `${file.key}: ${p}`);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Problems of the replica and silver hooks: unknown data types, patterns that do not compile, bad days. */
function hookProblems(plugin: MarketPlugin): string[] {
  const format = plugin.replica;
  const types = plugin.matrix.dataTypes;
  const problems: string[] = [];
  const known = (hook: string, dataType: string) => {
    if (!types[dataType]) problems.push(`${hook}: the matrix has no data type '${dataType}'`);
  };
  const compiles = (hook: string, pattern: string) => {
    try {
      new RegExp(pattern);
    } catch (e) {
      problems.push(`replica.${hook}: '${pattern}' is not a regular expression (${(e as Error).message})`);
    }
  };
  for (const [dataType, pattern] of Object.entries(format?.symbolPatterns ?? {})) {
    known("replica.symbolPatterns", dataType);
    compiles(`symbolPatterns.${dataType}`, pattern);
  }
  for (const [dataType, rewrites] of Object.entries(format?.symbolRewrites ?? {})) {
    known("replica.symbolRewrites", dataType);
    for (const r of rewrites) compiles(`symbolRewrites.${dataType}`, r.pattern);
  }
  for (const { dataType, interval } of format?.staleChecksums ?? []) {
    known("replica.staleChecksums", dataType);
    const intervals = Object.values(types[dataType]?.intervals ?? {}).flat();
    if (interval !== undefined && !intervals.includes(interval))
      problems.push(`replica.staleChecksums: ${dataType} has no interval '${interval}'`);
  }
  for (const [dataType, { from, to }] of Object.entries(format?.duplicatedRows ?? {})) {
    known("replica.duplicatedRows", dataType);
    for (const day of [from, to])
      if (day !== undefined && !DAY.test(day))
        problems.push(`replica.duplicatedRows.${dataType}: '${day}' is not a day`);
    if (from && to && from > to)
      problems.push(`replica.duplicatedRows.${dataType}: from ${from} is after to ${to}`);
  }
  for (const dataType of Object.keys(plugin.silver?.distinctRows ?? {}))
    known("silver.distinctRows", dataType);
  for (const dataType of Object.keys(plugin.silver?.symbolColumns ?? {})) {
    known("silver.symbolColumns", dataType);
    if (types[dataType] && !types[dataType]?.csv?.columns.some((c) => c.name === "symbol"))
      problems.push(`silver.symbolColumns: ${dataType}'s CSV schema has no symbol column`);
  }
  return problems;
}

/** A day the matrix publishes a daily file of the type on, at or after `from` (undefined: none to check). */
function dailyFileDay(spec: DataTypeSpec, from: string | undefined): string | undefined {
  const w = spec.windows?.daily;
  if (!spec.partitions.includes("daily") || w?.empty) return undefined;
  let day = from ?? w?.from ?? PERIOD.daily;
  if (w?.from && w.from > day) day = w.from;
  return w?.to && day > w.to ? undefined : day;
}

/** The data rows of a replica file (its header left out). */
async function dataRows(outDir: string, file: ReplicaFile): Promise<string[]> {
  const lines = (await csvOf(join(outDir, file.key))).split("\n");
  if (lines.at(-1) === "") lines.pop();
  return file.header ? lines.slice(1) : lines;
}

/** A market's replica runs in one suite: their folders are removed after it. */
interface ReplicaRuns {
  plugin: MarketPlugin;
  samples: readonly string[];
  dirs: string[];
}

/** A replica of one data type of the market over `range`, from the sample symbols. */
async function replicaOf(
  runs: ReplicaRuns,
  dataType: string,
  range: { partition: Partition; start: string; end: string },
  extra: Pick<ReplicaOptions, "intervals" | "quirks"> = {},
) {
  const { plugin, samples } = runs;
  const outDir = await mkdtemp(join(tmpdir(), `market-contract-${plugin.id}-`));
  runs.dirs.push(outDir);
  const manifest = await generateReplica({
    outDir,
    plugins: [plugin],
    markets: [plugin.id],
    dataTypes: [dataType],
    symbols: { [plugin.id]: [...samples] },
    partitions: [range.partition],
    ...extra,
    start: range.start,
    end: range.end,
    rowsPerFile: 5,
  });
  return { outDir, manifest };
}

/** Whether every data row is written twice in a row. */
const paired = (rows: readonly string[]) => rows.every((r, i) => r === rows[i % 2 === 0 ? i + 1 : i - 1]);

/** Files of the `duplicatedRows` types whose rows are not each written twice in the window, or still are after it. */
async function duplicatedRowsProblems(runs: ReplicaRuns): Promise<string[]> {
  const problems: string[] = [];
  for (const [dataType, { from, to }] of Object.entries(runs.plugin.replica?.duplicatedRows ?? {})) {
    const spec = runs.plugin.matrix.dataTypes[dataType];
    const day = spec && dailyFileDay(spec, from);
    if (!spec || !day || (to && day > to)) continue; // no daily file in the window to look at
    const inside = await replicaOf(runs, dataType, { partition: "daily", start: day, end: day });
    if (inside.manifest.files.length === 0) problems.push(`${dataType} ${day}: the replica wrote no file`);
    for (const file of inside.manifest.files) {
      const rows = await dataRows(inside.outDir, file);
      if (rows.length === 0 || !paired(rows))
        problems.push(`${file.key}: its rows are not each written twice`);
    }
    const after = to && dailyFileDay(spec, nextDay(to));
    if (!after) continue;
    const later = await replicaOf(runs, dataType, { partition: "daily", start: after, end: after });
    for (const file of later.manifest.files) {
      const rows = await dataRows(later.outDir, file);
      if (rows.length > 1 && paired(rows))
        problems.push(`${file.key}: after ${to}, its rows are still written twice`);
    }
  }
  return problems;
}

/** Files the replica writes (quirks off) that break their data type's CSV schema or the sidecar newline rule. */
async function csvSchemaProblems(runs: ReplicaRuns): Promise<string[]> {
  const { plugin } = runs;
  const problems: string[] = [];
  for (const [dataType, spec] of Object.entries(plugin.matrix.dataTypes)) {
    const range = replicaRange(spec);
    if (!range) continue; // a dataset the archive holds no files of
    expect(spec.csv, `${dataType} has no CSV schema`).toBeDefined();
    const interval = spec.keyShape === "interval" ? spec.intervals?.[range.partition]?.[0] : undefined;
    const { outDir, manifest } = await replicaOf(runs, dataType, range, {
      ...(interval ? { intervals: [interval] } : {}),
      quirks: false,
    });
    if (manifest.files.length === 0) problems.push(`${dataType}: the replica wrote no file`);
    for (const file of manifest.files) {
      problems.push(...csvProblems(await csvOf(join(outDir, file.key)), spec.csv!, file));
      const sidecar = await readFile(join(outDir, file.checksumKey), "utf8");
      if (sidecar.endsWith("\n") !== plugin.replica!.checksumNewline)
        problems.push(`${file.checksumKey}: trailing newline is not as replica.checksumNewline says`);
    }
  }
  return problems;
}

/** The cases on the market's matrix fragment, its sample symbols and its key rules. */
function describeMatrixAndKeys(plugin: MarketPlugin, samples: readonly string[]): void {
  const symbolFor = (dataType: string) =>
    samples.map((s) => plugin.resolveSymbol(dataType, s)?.symbol).find((s) => s !== undefined);

  it("is a market plugin with a valid matrix fragment that composes", () => {
    expect(plugin.kind).toBe("market");
    expect(plugin.label.trim()).not.toBe("");
    const parsed = MarketMatrixSchema.safeParse(plugin.matrix);
    expect(parsed.success ? [] : formatZodIssues(parsed.error.issues, `${plugin.id}.matrix`)).toEqual([]);
    expect(Object.keys(plugin.matrix.dataTypes).length).toBeGreaterThan(0);
    const composed = composeMatrix([plugin]);
    expect(Object.keys(composed.markets)).toEqual([plugin.id]);
    for (const [dataType, spec] of Object.entries(plugin.matrix.dataTypes)) {
      if (spec.keyShape !== "interval") continue;
      for (const p of spec.partitions)
        expect(spec.intervals?.[p]?.length, `${dataType} ${p}`).toBeGreaterThan(0);
    }
  });

  it("has a sample symbol for every data type", () => {
    expect(samples.length, "give symbols or declare replica.sampleSymbols").toBeGreaterThan(0);
    const without = Object.keys(plugin.matrix.dataTypes).filter((dt) => !symbolFor(dt));
    expect(without, "data types none of the sample symbols fit").toEqual([]);
  });

  it("builds a key for every data type, partition and interval that parses back to the same file", () => {
    const refs = allowedRefs(plugin, symbolFor);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const key = plugin.fileKey(ref);
      const prefix = `data/${plugin.matrix.archivePath}/${ref.partition}/${ref.dataType}/${ref.symbol}/`;
      expect(key.startsWith(prefix), key).toBe(true);
      expect(key.endsWith(`-${ref.period}.zip`), key).toBe(true);
      expect(plugin.parseKey(key), key).toEqual({ ...ref, key });
      expect(plugin.parseKey(`${key}.CHECKSUM`), `${key}.CHECKSUM`).toBeUndefined();
    }
    expect(plugin.withMatrix(plugin.matrix).fileKey(refs[0]!)).toBe(plugin.fileKey(refs[0]!));
  });
}

/** The cases on the market's replica format: its hooks, and what the replica writes for the market. */
function describeReplica(plugin: MarketPlugin, samples: readonly string[]): void {
  it("names only its own data types in its replica and silver hooks, with patterns that compile and real days", () => {
    expect(hookProblems(plugin)).toEqual([]);
  });

  it("gives the replica a symbol for every data type it publishes files of", () => {
    const without = Object.entries(plugin.matrix.dataTypes)
      .filter(([, spec]) => replicaRange(spec))
      .filter(([dt]) => !samples.some((s) => replicaSymbolFor(plugin, dt, s)))
      .map(([dt]) => dt);
    expect(without, "data types the replica writes for none of the sample symbols").toEqual([]);
  });

  describe("CSV schemas match what the replica writes for the market", () => {
    const runs: ReplicaRuns = { plugin, samples, dirs: [] };
    afterAll(async () => {
      for (const d of runs.dirs) await rm(d, { recursive: true, force: true });
    });

    it("writes the rows of replica.duplicatedRows twice, in its window only", async () => {
      expect(await duplicatedRowsProblems(runs)).toEqual([]);
    });

    it("makes the sidecar of replica.staleChecksums' first kind stale", async () => {
      const first = plugin.replica?.staleChecksums?.[0];
      const spec = first && plugin.matrix.dataTypes[first.dataType];
      const range = spec && replicaRange(spec);
      if (!first || !range) return; // the market declares no stale sidecars
      const { outDir, manifest } = await replicaOf(runs, first.dataType, range);
      const stale = manifest.files.find((f) => f.key === manifest.stale[0]);
      expect(stale, "the replica's stale file").toMatchObject({
        dataType: first.dataType,
        ...(first.interval ? { interval: first.interval } : {}),
      });
      const sidecar = await readFile(join(outDir, stale!.checksumKey), "utf8");
      expect(sidecar.startsWith(stale!.sha256)).toBe(false);
    });

    it("declares a replica format whose files follow every data type's CSV schema", async () => {
      expect(plugin.replica, "declare `replica` in defineMarket()").toBeDefined();
      expect(await csvSchemaProblems(runs)).toEqual([]);
    });
  });
}

/** Registers the market contract cases for one market plugin. */
export function describeMarketContract(plugin: MarketPlugin, options: MarketContractOptions = {}): void {
  const samples = options.symbols ?? plugin.replica?.sampleSymbols ?? [];
  describe(`market contract: ${plugin.id}`, () => {
    describeMatrixAndKeys(plugin, samples);
    describeReplica(plugin, samples);
  });
}
