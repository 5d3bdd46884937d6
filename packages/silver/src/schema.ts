// Silver table schemas, derived from each market plugin's CSV schema: column types, renames, the main time
// column and the duplicate policy of every data type.
import type { ColumnType, CsvSchema, MarketPlugin } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";

/** Every price, quantity and ratio: exact, 20 integer and 18 fraction digits (a `1mo` quote volume needs 20 significant digits). */
export const DECIMAL_TYPE = "DECIMAL(38,18)";
/** Every time column: one UTC instant type, microsecond precision (Parquet TIMESTAMP(isAdjustedToUTC=true, MICROS)). */
export const TIME_TYPE = "TIMESTAMPTZ";

/** Kline-class types (klines, index/mark/premium price klines) are the ones the archive files by interval. */
export function isKlineClass(market: MarketPlugin, dataType: string): boolean {
  return market.matrix.dataTypes[dataType]?.keyShape === "interval";
}

/** Hive partition columns of every silver table (a CSV column of the same name is renamed or dropped). */
export const PARTITION_COLUMNS = ["symbol", "interval", "month"] as const;

/**
 * Lineage columns ending every silver row: the bronze key and sha256 of the zip the row came from. Constant per
 * file, so Parquet's dictionary encoding stores each once per part.
 */
export const LINEAGE_COLUMNS = ["source_key", "source_sha256"] as const;

export interface SilverColumn {
  /** Name in silver. */
  name: string;
  /** CSV column it comes from (the schema's name), or undefined for a derived column. */
  source?: string;
  csvType?: ColumnType;
  /** DuckDB type in silver. */
  sqlType: string;
}

export type DuplicatePolicy =
  /** Rows identical in every column are dropped (first one kept, file order kept). */
  | { mode: "distinct"; why: string }
  /** Every file is checked for repeated keys; exact repeats are dropped, differing rows with one key kept and counted. */
  | { mode: "check"; key: string; why: string }
  /** Rows kept as published. */
  | { mode: "keep"; why: string };

export interface SilverTableSchema {
  market: string;
  dataType: string;
  csv: CsvSchema;
  columns: SilverColumn[];
  /** CSV columns not carried into silver, with why. */
  dropped: { name: string; why: string }[];
  /** Silver name of the column that orders the rows in time. */
  timeColumn?: string;
  /** CSV `symbol` column that must equal the file's symbol (dropped: the hive partition carries it). */
  symbolColumn?: string;
  policy: DuplicatePolicy;
  kline: boolean;
}

const SMALL = "files are small, so any row repeated exactly is dropped";

/**
 * The duplicate policy of a market's data type (README "Duplicates"): kline types are checked by open time, the
 * types the market's `silver.distinctRows` names (small files) lose exact repeats, the rest are kept as published.
 */
export function duplicatePolicy(market: MarketPlugin, dataType: string): DuplicatePolicy {
  if (isKlineClass(market, dataType)) {
    return {
      mode: "check",
      key: "open_time",
      why: "one bar per open time: exact repeats are dropped, differing bars with one open time are kept and counted",
    };
  }
  const distinct = market.silver?.distinctRows?.[dataType];
  if (distinct) return { mode: "distinct", why: distinct.repeats ? `${distinct.repeats}; ${SMALL}` : SMALL };
  return {
    mode: "keep",
    why: "append-only event stream with unique ids: rows are kept as published (a check would hash every id)",
  };
}

/** DuckDB type a CSV column is read as (decimals and datetimes as text, converted exactly afterwards). */
export function readType(t: ColumnType): string {
  switch (t) {
    case "int":
    case "time":
      return "BIGINT";
    case "bool":
      return "BOOLEAN";
    case "date":
      return "DATE";
    default:
      return "VARCHAR";
  }
}

function silverType(t: ColumnType): string {
  switch (t) {
    case "int":
      return "BIGINT";
    case "decimal":
      return DECIMAL_TYPE;
    case "bool":
      return "BOOLEAN";
    case "time":
    case "datetime":
      return TIME_TYPE;
    case "date":
      return "DATE";
    default:
      return "VARCHAR";
  }
}

export function silverSchema(market: MarketPlugin, dataType: string): SilverTableSchema {
  const csv = market.matrix.dataTypes[dataType]?.csv;
  if (!csv) {
    throw new LakehouseError(
      "UNSUPPORTED",
      `${market.id}/${dataType} has no CSV schema in its market plugin, so it cannot be converted to silver`,
    );
  }
  const kline = isKlineClass(market, dataType);
  const columns: SilverColumn[] = [];
  const dropped: SilverTableSchema["dropped"] = [];
  let symbolColumn: string | undefined;
  for (const c of csv.columns) {
    if (kline && c.name === "ignore") {
      dropped.push({ name: c.name, why: "always 0 (the archive documents it as unused)" });
      continue;
    }
    let name = c.name;
    if (c.name === "symbol") {
      const renamed = market.silver?.symbolColumns?.[dataType];
      if (renamed) {
        // Not the file's symbol (options EOHSummary: the option contract, the file's symbol is the underlying).
        name = renamed;
      } else {
        symbolColumn = c.name;
        dropped.push({
          name: c.name,
          why: "equals the file's symbol, which the `symbol` partition column carries",
        });
        continue;
      }
    } else if ((PARTITION_COLUMNS as readonly string[]).includes(c.name)) {
      name = `csv_${c.name}`;
    }
    columns.push({ name, source: c.name, csvType: c.type, sqlType: silverType(c.type) });
  }
  let timeColumn = columns.find((c) => c.csvType === "time" || c.csvType === "datetime")?.name;
  if (
    !timeColumn &&
    csv.columns.some((c) => c.name === "date") &&
    csv.columns.some((c) => c.name === "hour")
  ) {
    // EOHSummary: the row's instant is date + hour (UTC).
    columns.push({ name: "time", sqlType: TIME_TYPE });
    timeColumn = "time";
  }
  return {
    market: market.id,
    dataType,
    csv,
    columns,
    dropped,
    ...(timeColumn ? { timeColumn } : {}),
    ...(symbolColumn ? { symbolColumn } : {}),
    policy: duplicatePolicy(market, dataType),
    kline,
  };
}
