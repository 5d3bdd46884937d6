// Converts one bronze zip into one Parquet file with DuckDB: extracted (and byte-scanned) to a scratch CSV, read once,
// and measured (rows, time range, duplicates, gaps) from the written Parquet, which is far cheaper to scan than CSV.
import { rename, rm, stat } from "node:fs/promises";
import { type Detection, DetectionError, detect } from "./detect.js";
import type { Duck } from "./duck.js";
import { emptyGaps, fileGaps, intervalStep, missingBetween } from "./gaps.js";
import { DecimalScanner } from "./scan.js";
import type { SilverTableSchema } from "./schema.js";
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
}

export type ConvertResult = Omit<FileReport, "bronzeKey" | "silverKey" | "durationMs"> & {
  /** False when the file held no rows (no Parquet written). */
  written: boolean;
};

/** The oldest instant any archive file can hold (Binance opened in 2017; 2009 leaves margin). */
const EARLIEST = "2009-01-01";
/** Temporary table of one file's rows, for the policies that look at them more than once. */
const ROWS = "silver_file_rows";
const SYMBOL = "__csv_symbol";

export class ConversionError extends Error {}

/** Extracts a zip's CSV to `csvPath`, scanning every byte of its decimal columns on the way. */
export async function extractZip(
  zipPath: string,
  csvPath: string,
  schema: SilverTableSchema,
  partition: { symbol: string; interval?: string },
): Promise<CsvInput> {
  const scanner = new DecimalScanner(schema.csv.columns.map((c) => c.type === "decimal"));
  const x = await extractCsv(zipPath, csvPath, (chunk) => scanner.push(chunk));
  return {
    csvPath,
    head: x.head,
    complete: x.bytes <= Buffer.byteLength(x.head),
    csvBytes: x.bytes,
    scanner,
    symbol: partition.symbol,
    ...(partition.interval ? { interval: partition.interval } : {}),
  };
}

function headLines(head: string, complete: boolean): string[] {
  const lines = head.split("\n");
  if (!complete) lines.pop();
  return lines.slice(0, 4).map((l) => l.replace(/\r$/, ""));
}

async function copyTo(duck: Duck, query: string, out: string, compression: Compression): Promise<number> {
  const [r] = await duck.rows<{ Count: string }>(
    `COPY (${query}) TO ${lit(out)} (FORMAT parquet, COMPRESSION ${compression})`,
  );
  return Number(r?.Count ?? 0);
}

/**
 * The one read of the CSV. Keep and check policies: straight into Parquet. Distinct policies and files with a symbol
 * column (small files): into a temporary table first, which the symbol check, the row count and the de-duplicating
 * write share.
 */
async function load(
  duck: Duck,
  schema: SilverTableSchema,
  input: CsvInput,
  plan: ReadPlan,
  parquetPath: string,
  compression: Compression,
): Promise<{ csvRows: number; rows: number }> {
  const sym = schema.symbolColumn;
  if (schema.policy.mode !== "distinct" && !sym) {
    const rows = await copyTo(duck, selectSql(input.csvPath, schema, plan), parquetPath, compression);
    return { csvRows: rows, rows };
  }
  await duck.exec(
    `CREATE OR REPLACE TEMP TABLE ${ROWS} AS ${selectSql(input.csvPath, schema, plan, sym ? [`${ident(sym)} AS ${SYMBOL}`] : [])}`,
  );
  try {
    const other = `${SYMBOL} IS DISTINCT FROM ${lit(input.symbol)}`;
    const [r] = await duck.rows<{ n: string; other: string | null; sample: string | null }>(
      sym
        ? `SELECT count(*) AS n, count(*) FILTER (WHERE ${other}) AS other, any_value(${SYMBOL}) FILTER (WHERE ${other}) AS sample FROM ${ROWS}`
        : `SELECT count(*) AS n, NULL AS other, NULL AS sample FROM ${ROWS}`,
    );
    if (Number(r?.other ?? 0) > 0) {
      // The CSV's own symbol column is dropped (the partition carries it): it must agree with the file's symbol.
      throw new ConversionError(
        `${r!.other} rows name symbol ${r!.sample} in the ${sym} column, not the file's ${input.symbol}`,
      );
    }
    const select = `SELECT ${schema.columns.map((c) => ident(c.name)).join(", ")} FROM ${ROWS}`;
    const rows = await copyTo(
      duck,
      schema.policy.mode === "distinct" ? distinctSql(select, schema) : select,
      parquetPath,
      compression,
    );
    return { csvRows: Number(r?.n ?? 0), rows };
  } finally {
    await duck.exec(`DROP TABLE IF EXISTS ${ROWS}`);
  }
}

export async function convertCsv(
  duck: Duck,
  schema: SilverTableSchema,
  input: CsvInput,
  parquetPath: string,
  opts: { compression: Compression; now: Date },
): Promise<ConvertResult> {
  let det: Detection;
  try {
    det = detect(headLines(input.head, input.complete), schema.csv.columns);
  } catch (e) {
    if (e instanceof DetectionError) throw new ConversionError(e.message);
    throw e;
  }
  const notes = [...det.notes];
  const unit = det.timeUnit;
  const fastDecimal = input.scanner?.result(det.header).fast ?? schema.csv.columns.map(() => false);
  const plan: ReadPlan = { header: det.header, unit, fastDecimal };
  const policy = schema.policy;
  const loaded = await load(duck, schema, input, plan, parquetPath, opts.compression);
  const csvRows = loaded.csvRows;
  let rows = loaded.rows;

  /** One pass over the written Parquet: time range and, for keyed policies, distinct keys. */
  const stats = async () => {
    const t = schema.timeColumn ? ident(schema.timeColumn) : undefined;
    const cols = [
      t ? `${isoSql(`min(${t})`)} AS lo, ${isoSql(`max(${t})`)} AS hi` : "NULL AS lo, NULL AS hi",
      policy.mode === "check" ? `count(DISTINCT ${ident(policy.key)}) AS k` : "NULL AS k",
    ];
    const [r] = await duck.rows<{ lo: string | null; hi: string | null; k: string | null }>(
      `SELECT ${cols.join(", ")} FROM read_parquet(${lit(parquetPath)})`,
    );
    return {
      lo: r?.lo ?? undefined,
      hi: r?.hi ?? undefined,
      keys: r?.k === null || r?.k === undefined ? undefined : Number(r.k),
    };
  };
  let keyConflicts: number | undefined;
  let st = rows > 0 ? await stats() : { lo: undefined, hi: undefined, keys: undefined };
  if (policy.mode === "check" && rows > 0) {
    if (st.keys! < rows) {
      // Rare: rewrite without exact repeats — from the Parquet just written, not the CSV — then count what still
      // shares a key.
      const deduped = `${parquetPath}.distinct`;
      try {
        rows = await copyTo(
          duck,
          distinctSql(`SELECT * FROM read_parquet(${lit(parquetPath)})`, schema),
          deduped,
          opts.compression,
        );
        await rename(deduped, parquetPath);
      } finally {
        await rm(deduped, { force: true });
      }
      st = await stats();
    }
    keyConflicts = rows - st.keys!;
    if (keyConflicts > 0)
      notes.push(`${keyConflicts} rows share an ${policy.key} with a different row (kept)`);
  }
  if (rows === 0) {
    await rm(parquetPath, { force: true });
    return {
      csvRows,
      rows,
      duplicatesDropped: csvRows - rows,
      header: det.header,
      timeUnit: unit,
      csvBytes: input.csvBytes,
      parquetBytes: 0,
      notes,
      written: false,
    };
  }

  const timeMin = st.lo;
  const timeMax = st.hi;
  const latest = new Date(opts.now.getTime() + 3 * 86_400_000).toISOString();
  if ((timeMin && timeMin < EARLIEST) || (timeMax && timeMax > latest)) {
    throw new ConversionError(
      `${schema.timeColumn} runs from ${timeMin} to ${timeMax}, outside ${EARLIEST} … today: the values do not fit the detected time unit (${unit})`,
    );
  }
  let gaps: GapSummary | undefined;
  if (schema.kline && input.interval) {
    const step = intervalStep(input.interval);
    // As many distinct bars as the span holds: no gap, no need to look for one.
    const span = step && timeMin && timeMax ? missingBetween(timeMin, timeMax, step) + 2 : undefined;
    const bars = st.keys ?? rows;
    gaps =
      span !== undefined && (bars >= span || (bars === 1 && timeMin === timeMax))
        ? emptyGaps()
        : await fileGaps(duck, parquetPath, input.interval);
  }
  const parquetBytes = (await stat(parquetPath)).size;
  return {
    csvRows,
    rows,
    duplicatesDropped: csvRows - rows,
    ...(keyConflicts !== undefined ? { keyConflicts } : {}),
    header: det.header,
    timeUnit: unit,
    ...(timeMin ? { timeMin } : {}),
    ...(timeMax ? { timeMax } : {}),
    csvBytes: input.csvBytes,
    parquetBytes,
    ...(gaps ? { gaps } : {}),
    ...(notes.length ? { notes } : {}),
    written: true,
  };
}
