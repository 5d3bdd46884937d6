// Per-file detection from the CSV's first lines: is there a header row, and are epoch times ms or µs.
import type { ColumnType, CsvColumn } from "@crypto-lakehouse/core";

export interface Detection {
  header: boolean;
  /** Unit of epoch columns (`none` when the schema has none). */
  timeUnit: "ms" | "us" | "text" | "none";
  notes: string[];
}

export class DetectionError extends Error {}

const CELL: Record<ColumnType, RegExp> = {
  int: /^-?\d+$/,
  decimal: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
  bool: /^(true|false)$/i,
  time: /^\d+$/,
  datetime: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  string: /^/,
};

/** Splits one CSV line (quotes honoured, quotes removed). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

const norm = (s: string) =>
  s
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase();

/** Whether the cells read as one data row of these columns (empty cells allowed except in epoch columns). */
export function isDataRow(cells: readonly string[], columns: readonly CsvColumn[]): boolean {
  if (cells.length !== columns.length) return false;
  return columns.every((c, i) => {
    const v = cells[i]!;
    if (v === "") return c.type !== "time";
    return CELL[c.type].test(v);
  });
}

/** Epoch values from 1e14 up are microseconds: 1e14 ms would be the year 5138, 1e14 µs is 1973. */
export function unitOf(value: string): "ms" | "us" {
  return value.length >= 15 || Number(value) >= 1e14 ? "us" : "ms";
}

/**
 * Looks at the first lines of a file. The header is found by comparing the first line with the known column
 * names (a leading digit proves nothing: metrics and bookDepth rows start with a datetime). The time unit is read
 * from the values of every epoch column of the first data row, never from the file's date.
 */
export function detect(lines: readonly string[], columns: readonly CsvColumn[]): Detection {
  const notes: string[] = [];
  const nonEmpty = lines.filter((l) => l.trim() !== "");
  const first = nonEmpty[0];
  const epochCols = columns.map((c, i) => (c.type === "time" ? i : -1)).filter((i) => i >= 0);
  const textTimes = columns.some((c) => c.type === "datetime");
  const noUnit = epochCols.length === 0 ? (textTimes ? "text" : "none") : undefined;
  if (first === undefined) return { header: false, timeUnit: noUnit ?? "ms", notes: ["empty file"] };

  const cells = splitCsvLine(first);
  const names = columns.map((c) => c.name.toLowerCase());
  let header: boolean;
  if (cells.length === names.length && cells.every((c, i) => norm(c) === names[i])) header = true;
  else if (isDataRow(cells, columns)) header = false;
  else if (cells.length === names.length && cells.every((c) => /^[A-Za-z_][A-Za-z0-9_ ]*$/.test(norm(c)))) {
    header = true;
    notes.push(`header row differs from the known columns (${cells.join(",")}); columns taken by position`);
  } else {
    throw new DetectionError(
      cells.length !== names.length
        ? `the first line has ${cells.length} fields, the ${names.length} known columns (${names.join(",")}) expected: ${first.slice(0, 200)}`
        : `the first line is neither the known header (${names.join(",")}) nor a data row: ${first.slice(0, 200)}`,
    );
  }
  if (noUnit) return { header, timeUnit: noUnit, notes };

  const dataLine = header ? nonEmpty[1] : first;
  if (dataLine === undefined) return { header, timeUnit: "ms", notes: [...notes, "no data rows"] };
  const row = splitCsvLine(dataLine);
  if (!isDataRow(row, columns)) {
    throw new DetectionError(
      `the first data row does not match the columns (${names.join(",")}): ${dataLine.slice(0, 200)}`,
    );
  }
  const units = new Set(
    epochCols
      .map((i) => row[i]!)
      .filter((v) => v !== "")
      .map(unitOf),
  );
  if (units.size > 1) {
    throw new DetectionError(
      `epoch columns of the first data row mix milliseconds and microseconds: ${dataLine.slice(0, 200)}`,
    );
  }
  return { header, timeUnit: [...units][0] ?? "ms", notes };
}
