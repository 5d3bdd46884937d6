// Converts extracted bronze CSVs into Parquet parts with DuckDB: many small files of one table and read plan in one
// statement (one read_csv over the list, one COPY … PARTITION_BY writing one part per file), large files alone.
// Every file keeps its own checks (symbol, time unit, duplicates, gaps) and report, measured from the written
// Parquet, which is far cheaper to scan than CSV; a file DuckDB cannot read fails alone. The file-system calls
// between statements are synchronous: each takes microseconds, where a trip through the thread pool can wait
// behind the parts' fsyncs (and DuckDB, waiting for them, idles).
import { mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Detection, DetectionError, detect } from "./detect.js";
import { cleanDuckError, type Duck } from "./duck.js";
import { emptyGaps, fileGaps, intervalStep, missingBetween } from "./gaps.js";
import { DecimalScanner } from "./scan.js";
import { LINEAGE_COLUMNS, type SilverTableSchema } from "./schema.js";
import { distinctSql, ident, isoSql, lit, type ReadPlan, selectSql } from "./sql.js";
import type { Compression, FileReport, GapSummary } from "./types.js";
import { extractCsv } from "./unzip.js";

export interface CsvInput {
  csvPath: string;
  /** First bytes of the CSV and whether they are the whole file. */
  head: string;
  complete: boolean;
  csvBytes: number;
  /** The byte scan of the CSV made while extracting it (decides which decimals take the fast path). */
  scanner?: DecimalScanner;
  /** The file's symbol and interval (partition values). */
  symbol: string;
  interval?: string;
  /** sha256 of the zip, when extraction hashed it on the way. */
  zipSha256?: string;
}

/** A file ready for DuckDB: its CSV, how it is read, and the bronze file it came from (its lineage). */
export interface ChunkFile {
  input: CsvInput;
  plan: ReadPlan;
  notes: string[];
  bronzeKey: string;
  sha256?: string;
}

export type ConvertResult = Omit<FileReport, "bronzeKey" | "silverKey" | "durationMs"> & {
  /** False when the file held no rows (no Parquet written). */
  written: boolean;
  /** The Parquet part, in the chunk's scratch folder (when written). */
  parquetPath?: string;
};

/** What became of one file of a chunk. */
export type PartOutcome = { ok: ConvertResult } | { error: string };

export interface ChunkOptions {
  compression: Compression;
  now: Date;
}

/** The oldest instant any archive file can hold (Binance opened in 2017; 2009 leaves margin). */
const EARLIEST = "2009-01-01";
/** Temporary table of a chunk's rows, for the policies that look at them more than once. */
const ROWS = "silver_chunk_rows";
const SYMBOL = "__csv_symbol";
/** A row's file: its position in the chunk (the name its CSV is given). */
const POS = "__pos";
const LINEAGE = LINEAGE_COLUMNS.map(ident);

export class ConversionError extends Error {}

const reasonOf = (e: unknown) => (e instanceof ConversionError ? e.message : cleanDuckError(e));

/**
 * Extracts a zip's CSV to `csvPath`, scanning every byte of its decimal columns on the way (`hash`: hash a large
 * zip in the same read too; a small one always is).
 */
export async function extractZip(
  zipPath: string,
  csvPath: string,
  schema: SilverTableSchema,
  partition: { symbol: string; interval?: string; size?: number },
  hash = false,
): Promise<CsvInput> {
  const scanner = new DecimalScanner(schema.csv.columns.map((c) => c.type === "decimal"));
  const x = await extractCsv(zipPath, csvPath, (chunk) => scanner.push(chunk), partition.size, hash);
  return {
    csvPath,
    head: x.head,
    complete: x.complete,
    csvBytes: x.bytes,
    scanner,
    symbol: partition.symbol,
    ...(partition.interval ? { interval: partition.interval } : {}),
    ...(x.zipSha256 ? { zipSha256: x.zipSha256 } : {}),
  };
}

/** The first lines of the CSV (as `head.split("\n")` would give them, the last dropped when cut off), up to 4. */
function headLines(head: string, complete: boolean): string[] {
  const lines: string[] = [];
  for (let at = 0; lines.length < 4; ) {
    const nl = head.indexOf("\n", at);
    if (nl < 0) {
      if (complete) lines.push(head.slice(at));
      break;
    }
    lines.push(head.slice(at, nl));
    at = nl + 1;
  }
  return lines.map((l) => l.replace(/\r$/, ""));
}

/** Detects a file's header and time unit and decides its read plan; a file neither header nor data throws. */
export function planFile(
  schema: SilverTableSchema,
  input: CsvInput,
  lineage: { bronzeKey: string; sha256?: string },
): ChunkFile {
  let det: Detection;
  try {
    det = detect(headLines(input.head, input.complete), schema.csv.columns);
  } catch (e) {
    if (e instanceof DetectionError) throw new ConversionError(e.message);
    throw e;
  }
  const fastDecimal = input.scanner?.result(det.header).fast ?? schema.csv.columns.map(() => false);
  return {
    input,
    plan: { header: det.header, unit: det.timeUnit, fastDecimal },
    notes: [...det.notes],
    bronzeKey: lineage.bronzeKey,
    ...(lineage.sha256 ? { sha256: lineage.sha256 } : {}),
  };
}

/** Files with equal plans can share one read_csv. */
export function planKey(f: ChunkFile): string {
  return `${f.plan.header}|${f.plan.unit}|${f.plan.fastDecimal.map(Number).join("")}`;
}

async function copyTo(duck: Duck, query: string, out: string, compression: Compression, extra = "") {
  await duck.exec(`COPY (${query}) TO ${lit(out)} (FORMAT parquet, COMPRESSION ${compression}${extra})`);
}

/**
 * Converts the files (one table, one plan) into one Parquet part each, in `dir`; one outcome per file, in order.
 * A file DuckDB cannot read fails the shared statement: then each file is converted alone, so only it fails.
 */
export async function convertChunk(
  duck: Duck,
  schema: SilverTableSchema,
  files: readonly ChunkFile[],
  dir: string,
  opts: ChunkOptions,
): Promise<PartOutcome[]> {
  try {
    return await convertTogether(duck, schema, files, dir, opts);
  } catch (e) {
    await duck.exec(`DROP TABLE IF EXISTS ${ROWS}`).catch(() => {});
    if (files.length === 1) return [{ error: reasonOf(e) }];
    const out: PartOutcome[] = [];
    for (const [i, f] of files.entries())
      out.push(...(await convertChunk(duck, schema, [f], join(dir, `alone-${i}`), opts)));
    return out;
  }
}

/** Per file: rows, time range and (keyed policies) distinct keys, from the written Parquet. */
interface Measured {
  rows: number;
  lo?: string;
  hi?: string;
  keys?: number;
}

/** A file's part and its measures. */
interface PartStat extends Measured {
  path: string;
}

async function partStats(
  duck: Duck,
  schema: SilverTableSchema,
  from: string,
  grouped: boolean,
): Promise<Map<number, PartStat>> {
  const t = schema.timeColumn ? ident(schema.timeColumn) : undefined;
  const policy = schema.policy;
  const cols = [
    grouped ? `${POS} AS f, filename AS p` : `0 AS f, ${lit(from)} AS p`,
    "count(*) AS n",
    t ? `${isoSql(`min(${t})`)} AS lo, ${isoSql(`max(${t})`)} AS hi` : "NULL AS lo, NULL AS hi",
    policy.mode === "check" ? `count(DISTINCT ${ident(policy.key)}) AS k` : "NULL AS k",
  ];
  // No file held a row: PARTITION_BY wrote no part at all.
  if (grouped && !readdirSafe(from).length) return new Map();
  const src = grouped
    ? `read_parquet(${lit(join(from, "*", "*.parquet"))}, hive_partitioning = true, filename = true)`
    : `read_parquet(${lit(from)})`;
  const rows = await duck.rows<{
    f: string;
    p: string;
    n: string;
    lo: string | null;
    hi: string | null;
    k: string | null;
  }>(`SELECT ${cols.join(", ")} FROM ${src} GROUP BY ALL`);
  const out = new Map<number, PartStat>();
  for (const r of rows) {
    // DuckDB writes one file per partition; should it ever split one, converting each file alone is still right.
    if (out.has(Number(r.f))) throw new Error(`DuckDB wrote several parts for file ${r.f} of the chunk`);
    out.set(Number(r.f), {
      path: r.p,
      rows: Number(r.n),
      ...(r.lo ? { lo: r.lo } : {}),
      ...(r.hi ? { hi: r.hi } : {}),
      ...(r.k !== null && r.k !== undefined ? { keys: Number(r.k) } : {}),
    });
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Moves the chunk's CSVs into its folder under position names (`<dir>/in/<i>.csv`): a row's file is then read off its
 * `filename`, and the CSVs go with the folder, removed in the background once the parts are stored (an unlink can
 * take a millisecond: on a disk mounted with `discard` it trims there and then).
 */
function placeInputs(files: readonly ChunkFile[], dir: string): string[] {
  mkdirSync(join(dir, "in"), { recursive: true });
  return files.map((f, i) => {
    const to = join(dir, "in", `${i}.csv`);
    renameSync(f.input.csvPath, to);
    f.input.csvPath = to;
    return to;
  });
}

/**
 * Select items of the lineage columns and the row's file position. The values are ENUMs of the chunk's values:
 * the Parquet writer then stores each row as a dictionary index instead of hashing and comparing a 64-character
 * string per row (~15 % of a large file's COPY); a reader sees a plain string column (Parquet type STRING).
 */
function lineageItems(files: readonly ChunkFile[], many: boolean): string[] {
  const pos = many ? "CAST(parse_filename(filename, true) AS INTEGER)" : "0";
  // The chunk's values as an ENUM list (cast once, at bind time), indexed per row by the row's file.
  const pick = (vals: (string | undefined)[]) => {
    const known = [...new Set(vals.filter((v): v is string => v !== undefined))];
    if (!known.length) return "CAST(NULL AS VARCHAR)";
    const list = `[${vals.map((v) => (v === undefined ? "NULL" : lit(v))).join(", ")}]`;
    return `CAST(${list} AS ENUM(${known.map(lit).join(", ")})[])[${pos} + 1]`;
  };
  return [
    `${pick(files.map((f) => f.bronzeKey))} AS ${LINEAGE[0]}`,
    `${pick(files.map((f) => f.sha256))} AS ${LINEAGE[1]}`,
    `${pos} AS ${POS}`,
  ];
}

async function convertTogether(
  duck: Duck,
  schema: SilverTableSchema,
  files: readonly ChunkFile[],
  dir: string,
  opts: ChunkOptions,
): Promise<PartOutcome[]> {
  mkdirSync(dir, { recursive: true });
  const many = files.length > 1;
  const placed = placeInputs(files, dir);
  const paths = many ? placed : placed[0]!;
  const items = lineageItems(files, many);
  const target = many ? join(dir, "parts") : join(dir, "0.parquet");
  const write = (query: string) =>
    copyTo(
      duck,
      many ? query : `SELECT * EXCLUDE (${POS}) FROM (${query})`,
      target,
      opts.compression,
      many ? `, PARTITION_BY (${POS})` : "",
    );
  let loaded: Loaded | undefined;
  if (schema.policy.mode !== "distinct" && !schema.symbolColumn) {
    await write(selectSql(paths, schema, files[0]!.plan, items));
  } else loaded = await loadAndWrite(duck, schema, files, paths, items, write);
  const stats = await partStats(duck, schema, target, many);
  const out: PartOutcome[] = [];
  for (const [i, f] of files.entries()) {
    const refused = loaded?.refused.get(i);
    if (refused) out.push({ error: refused });
    else {
      const st = stats.get(i);
      out.push(await finishFile(duck, schema, f, st, loaded?.csvRows.get(i) ?? st?.rows ?? 0, opts));
    }
  }
  return out;
}

interface Loaded {
  /** CSV rows per file position (duplicates included). */
  csvRows: Map<number, number>;
  /** Files refused (rows naming another symbol), with why. */
  refused: Map<number, string>;
}

/**
 * The distinct policy and files with a symbol column (small files): one read into a temporary table, which the
 * per-file symbol check, the row counts and the de-duplicating write share.
 */
async function loadAndWrite(
  duck: Duck,
  schema: SilverTableSchema,
  files: readonly ChunkFile[],
  paths: string | string[],
  items: string[],
  write: (query: string) => Promise<void>,
): Promise<Loaded> {
  const sym = schema.symbolColumn;
  const extra = sym ? [`${ident(sym)} AS ${SYMBOL}`] : [];
  await duck.exec(
    `CREATE OR REPLACE TEMP TABLE ${ROWS} AS ${selectSql(paths, schema, files[0]!.plan, [...items, ...extra])}`,
  );
  try {
    const counts = await duck.rows<{ f: string; s: string | null; n: string }>(
      `SELECT ${POS} AS f, ${sym ? SYMBOL : "NULL"} AS s, count(*) AS n FROM ${ROWS} GROUP BY ALL`,
    );
    const csvRows = new Map<number, number>();
    const other = new Map<number, { n: number; sample: string | null }>();
    for (const r of counts) {
      const f = Number(r.f);
      csvRows.set(f, (csvRows.get(f) ?? 0) + Number(r.n));
      if (sym && r.s !== files[f]!.input.symbol) {
        const o = other.get(f) ?? { n: 0, sample: r.s };
        o.n += Number(r.n);
        other.set(f, o);
      }
    }
    const refused = new Map<number, string>();
    for (const [f, o] of other) {
      // The CSV's own symbol column is dropped (the partition carries it): it must agree with the file's symbol.
      refused.set(
        f,
        `${o.n} rows name symbol ${o.sample} in the ${sym} column, not the file's ${files[f]!.input.symbol}`,
      );
    }
    const keep = refused.size ? ` WHERE ${POS} NOT IN (${[...refused.keys()].join(", ")})` : "";
    const names = [...schema.columns.map((c) => ident(c.name)), ...LINEAGE, POS];
    const select = `SELECT ${names.join(", ")} FROM ${ROWS}${keep}`;
    await write(schema.policy.mode === "distinct" ? distinctSql(select, schema, [...LINEAGE, POS]) : select);
    return { csvRows, refused };
  } finally {
    await duck.exec(`DROP TABLE IF EXISTS ${ROWS}`);
  }
}

/** A file's report from its part: key conflicts (repeats dropped), the time-unit check and kline gaps. */
async function finishFile(
  duck: Duck,
  schema: SilverTableSchema,
  f: ChunkFile,
  first: PartStat | undefined,
  csvRows: number,
  opts: ChunkOptions,
): Promise<PartOutcome> {
  const notes = [...f.notes];
  const policy = schema.policy;
  const part = first?.path;
  let st: Measured = first ?? { rows: 0 };
  const base = { csvRows, header: f.plan.header, timeUnit: f.plan.unit, csvBytes: f.input.csvBytes };
  try {
    let keyConflicts: number | undefined;
    if (policy.mode === "check" && part && st.rows > 0) {
      if (st.keys! < st.rows) st = await dropRepeats(duck, schema, part, opts.compression);
      keyConflicts = st.rows - st.keys!;
      if (keyConflicts > 0)
        notes.push(`${keyConflicts} rows share an ${policy.key} with a different row (kept)`);
    }
    if (!part || st.rows === 0) {
      if (part) await rm(part, { force: true });
      const r = { ...base, rows: 0, duplicatesDropped: csvRows, parquetBytes: 0, notes, written: false };
      return { ok: r };
    }
    checkTimes(schema, st, f.plan.unit, opts.now);
    const gaps =
      schema.kline && f.input.interval ? await gapsOf(duck, part, f.input.interval, st) : undefined;
    const ok: ConvertResult = {
      ...base,
      rows: st.rows,
      duplicatesDropped: csvRows - st.rows,
      ...(keyConflicts !== undefined ? { keyConflicts } : {}),
      ...(st.lo ? { timeMin: st.lo } : {}),
      ...(st.hi ? { timeMax: st.hi } : {}),
      parquetBytes: statSync(part).size,
      ...(gaps ? { gaps } : {}),
      ...(notes.length ? { notes } : {}),
      written: true,
      parquetPath: part,
    };
    return { ok };
  } catch (e) {
    if (part) await rm(part, { force: true });
    return { error: reasonOf(e) };
  }
}

/** Rare: rewrites a part without exact repeats — from the Parquet just written, not the CSV — and measures it again. */
async function dropRepeats(duck: Duck, schema: SilverTableSchema, part: string, compression: Compression) {
  const deduped = `${part}.distinct`;
  try {
    await copyTo(
      duck,
      distinctSql(`SELECT * FROM read_parquet(${lit(part)})`, schema, LINEAGE),
      deduped,
      compression,
    );
    await rename(deduped, part);
  } finally {
    await rm(deduped, { force: true });
  }
  return (await partStats(duck, schema, part, false)).get(0) ?? { rows: 0 };
}

function checkTimes(schema: SilverTableSchema, st: Measured, unit: string, now: Date): void {
  const latest = new Date(now.getTime() + 3 * 86_400_000).toISOString();
  if ((st.lo && st.lo < EARLIEST) || (st.hi && st.hi > latest)) {
    throw new ConversionError(
      `${schema.timeColumn} runs from ${st.lo} to ${st.hi}, outside ${EARLIEST} … today: the values do not fit the detected time unit (${unit})`,
    );
  }
}

async function gapsOf(duck: Duck, part: string, interval: string, st: Measured): Promise<GapSummary> {
  const step = intervalStep(interval);
  // As many distinct bars as the span holds: no gap, no need to look for one.
  const span = step && st.lo && st.hi ? missingBetween(st.lo, st.hi, step) + 2 : undefined;
  const bars = st.keys ?? st.rows;
  return span !== undefined && (bars >= span || (bars === 1 && st.lo === st.hi))
    ? emptyGaps()
    : fileGaps(duck, part, interval);
}

/** One file alone (tests, and the unit of the per-file fallback): its outcome, or the ConversionError it hit. */
export async function convertCsv(
  duck: Duck,
  schema: SilverTableSchema,
  input: CsvInput,
  dir: string,
  opts: ChunkOptions,
): Promise<ConvertResult> {
  const file = planFile(schema, input, { bronzeKey: input.csvPath });
  const [r] = await convertChunk(duck, schema, [file], dir, opts);
  if (!r || "error" in r) throw new ConversionError(r?.error ?? "no result");
  return r.ok;
}
