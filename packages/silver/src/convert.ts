// Converts one extracted CSV into one Parquet file with DuckDB, and measures it (rows, time range, duplicates, gaps).
import { rm, stat } from "node:fs/promises";
import { type Detection, DetectionError, detect } from "./detect.js";
import type { Duck } from "./duck.js";
import { emptyGaps, fileGaps, intervalStep, missingBetween } from "./gaps.js";
import type { DecimalScanner } from "./scan.js";
import type { SilverTableSchema } from "./schema.js";
import { distinctSql, ident, isoSql, lit, type ReadPlan, readCsvSql, selectSql } from "./sql.js";
import type { Compression, FileReport, GapSummary } from "./types.js";

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

export class ConversionError extends Error {}

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
  const select = selectSql(input.csvPath, schema, plan);
  const policy = schema.policy;
  let csvRows: number | undefined;

  if (schema.symbolColumn) {
    // The CSV's own symbol column is dropped (the partition carries it): it must agree with the file's symbol.
    const [r] = await duck.rows<{ n: string; other: string; sample: string | null }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ${ident(schema.symbolColumn)} IS DISTINCT FROM ${lit(input.symbol)}) AS other, ` +
        `any_value(${ident(schema.symbolColumn)}) FILTER (WHERE ${ident(schema.symbolColumn)} IS DISTINCT FROM ${lit(input.symbol)}) AS sample ` +
        `FROM ${readCsvSql(input.csvPath, schema, plan)}`,
    );
    if (Number(r?.other ?? 0) > 0) {
      throw new ConversionError(
        `${r!.other} rows name symbol ${r!.sample} in the ${schema.symbolColumn} column, not the file's ${input.symbol}`,
      );
    }
    csvRows = Number(r?.n ?? 0);
  }
  if (policy.mode === "distinct" && csvRows === undefined) {
    const [r] = await duck.rows<{ n: string }>(
      `SELECT count(*) AS n FROM ${readCsvSql(input.csvPath, schema, plan)}`,
    );
    csvRows = Number(r?.n ?? 0);
  }

  let rows = await copyTo(
    duck,
    policy.mode === "distinct" ? distinctSql(select, schema) : select,
    parquetPath,
    opts.compression,
  );
  csvRows ??= rows;
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
      // Rare: rewrite without exact repeats, then count what still shares a key.
      rows = await copyTo(duck, distinctSql(select, schema), parquetPath, opts.compression);
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
