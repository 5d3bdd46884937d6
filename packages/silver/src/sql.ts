// The SQL of one conversion: read_csv with explicit columns, exact decimal and UTC time expressions.
import type { SilverColumn, SilverTableSchema } from "./schema.js";
import { readType } from "./schema.js";

/** A SQL string literal. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A UTC instant as ISO text with microseconds (`2025-01-01T00:00:00.000000Z`), for reports. */
export function isoSql(col: string): string {
  return `strftime(${col}, '%Y-%m-%dT%H:%M:%S.%fZ')`;
}

/** A quoted SQL identifier. */
export function ident(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

const SCALE = 18;
const POW10 = `[${Array.from({ length: SCALE + 1 }, (_, i) => `${10n ** BigInt(i)}::HUGEINT`).join(",")}]`;
const UNIT = `0.${"0".repeat(SCALE - 1)}1::DECIMAL(${SCALE + 1},${SCALE})`;

/**
 * Text → DECIMAL(38,18), exactly. DuckDB parses text to DECIMAL(38,x) about 80× slower than to DECIMAL(18,x), so:
 * values with ≤ 10 integer and ≤ 8 fraction digits (nearly all) go through DECIMAL(18,8), which is exact for them;
 * longer plain values are read as an integer of 10^-18 units (HUGEINT) and scaled; exponent forms (`0E-8`) and
 * values with more than 18 decimals take DuckDB's own cast (which rounds to 18 decimals).
 */
export function exactDecimal(col: string): string {
  const p = `strpos(${col}, '.')`;
  const n = `length(${col})`;
  const frac = `CASE WHEN ${p} = 0 THEN 0 ELSE ${n} - ${p} END`;
  return [
    "CASE",
    `WHEN ${col} IS NULL THEN NULL`,
    `WHEN strpos(${col}, 'E') + strpos(${col}, 'e') > 0 THEN CAST(${col} AS DECIMAL(38,${SCALE}))`,
    `WHEN (${p} = 0 AND ${n} <= 10) OR (${p} BETWEEN 1 AND 11 AND ${n} - ${p} <= 8) THEN CAST(CAST(${col} AS DECIMAL(18,8)) AS DECIMAL(38,${SCALE}))`,
    `WHEN ${frac} <= ${SCALE} THEN CAST(CAST(replace(${col}, '.', '') AS HUGEINT) * ${POW10}[${SCALE + 1} - ${frac}] AS DECIMAL(38,0)) * ${UNIT}`,
    `ELSE CAST(${col} AS DECIMAL(38,${SCALE}))`,
    "END",
  ].join(" ");
}

/** How a file's columns are read: per CSV column, whether its decimals may be read directly as DECIMAL(18,8). */
export interface ReadPlan {
  header: boolean;
  unit: "ms" | "us" | "text" | "none";
  /** Indexed like the CSV schema's columns; see DecimalScanner. */
  fastDecimal: readonly boolean[];
}

/** Epoch µs → TIMESTAMPTZ without a time-zone conversion (a TIMESTAMP → TIMESTAMPTZ cast goes through ICU, 10× slower). */
const tz = (micros: string) => `make_timestamptz(${micros})`;

/** One silver column from the raw CSV column. */
export function columnExpr(c: SilverColumn, plan: ReadPlan, fast: boolean): string {
  if (!c.source) {
    // EOHSummary's derived instant: date + hour, UTC.
    return tz(`epoch_us(CAST("date" AS TIMESTAMP)) + CAST("hour" AS BIGINT) * 3600000000`);
  }
  const col = ident(c.source);
  switch (c.csvType) {
    case "decimal":
      return fast ? `CAST(${col} AS DECIMAL(38,${SCALE}))` : exactDecimal(col);
    case "time":
      return plan.unit === "us" ? tz(col) : tz(`${col} * 1000`);
    case "datetime":
      return tz(`epoch_us(CAST(${col} AS TIMESTAMP))`);
    default:
      return col;
  }
}

/** read_csv over one CSV or several of the same plan (`filename`: add the file's path as a `filename` column). */
export function readCsvSql(
  path: string | readonly string[],
  schema: SilverTableSchema,
  plan: Pick<ReadPlan, "header" | "fastDecimal">,
  filename = false,
): string {
  const cols = schema.csv.columns
    .map(
      (c, i) =>
        `${lit(c.name)}: ${lit(c.type === "decimal" && plan.fastDecimal[i] ? "DECIMAL(18,8)" : readType(c.type))}`,
    )
    .join(", ");
  const from = typeof path === "string" ? lit(path) : `[${path.map(lit).join(", ")}]`;
  return (
    `read_csv(${from}, columns = {${cols}}, header = ${plan.header}, auto_detect = false, delim = ',', quote = '"', ` +
    `escape = '"', nullstr = '', strict_mode = true, parallel = true${filename ? ", filename = true" : ""})`
  );
}

/**
 * SELECT producing the silver rows of one file, or of several in order, in file order (`extra`: more select items,
 * e.g. a dropped column or the file's position; with several files `filename` is in scope for them).
 */
export function selectSql(
  path: string | readonly string[],
  schema: SilverTableSchema,
  plan: ReadPlan,
  extra: string[] = [],
): string {
  const index = new Map(schema.csv.columns.map((c, i) => [c.name, i]));
  const exprs = schema.columns.map((c) => {
    const fast = c.source !== undefined && plan.fastDecimal[index.get(c.source)!] === true;
    return `${columnExpr(c, plan, fast)} AS ${ident(c.name)}`;
  });
  return `SELECT ${[...exprs, ...extra].join(", ")} FROM ${readCsvSql(path, schema, plan, typeof path !== "string")}`;
}

/**
 * The same rows with exact repeats removed (first occurrence kept, file order kept); `also`: columns carried along
 * and part of the comparison (the file's position and lineage: a row repeated in another file is not a repeat).
 */
export function distinctSql(select: string, schema: SilverTableSchema, also: readonly string[] = []): string {
  const names = [...schema.columns.map((c) => ident(c.name)), ...also].join(", ");
  return (
    `SELECT ${names} FROM (SELECT ${names}, min(__row) AS __row FROM (SELECT *, row_number() OVER () AS __row FROM (${select})) ` +
    `GROUP BY ALL) ORDER BY __row`
  );
}
