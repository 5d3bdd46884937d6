// The archive matrix as data: which data types each market publishes, in which partitions, with which
// intervals, over which known windows, and how each type's CSV looks. Market plugins contribute fragments;
// users may extend or override them with a JSON file (`matrix_path`) validated by this same schema.
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

export const ColumnTypeSchema = z.enum([
  "int", // integer ids and counts (BIGINT)
  "decimal", // exact decimal string: prices, quantities, ratios
  "bool", // True/False or true/false
  "time", // epoch number (unit from the schema / detected per file)
  "datetime", // text `YYYY-MM-DD HH:MM:SS` UTC
  "date", // text `YYYY-MM-DD`
  "string",
]);
export type ColumnType = z.infer<typeof ColumnTypeSchema>;

export const CsvColumnSchema = z.object({
  name: z.string().min(1),
  type: ColumnTypeSchema,
});
export type CsvColumn = z.infer<typeof CsvColumnSchema>;

export const CsvSchemaSchema = z.object({
  columns: z.array(CsvColumnSchema).min(1),
  /** `never`: no file has a header row; `always`: every file has one; `sometimes`: detect per file. */
  header: z.enum(["never", "always", "sometimes"]),
  /** Unit of `time` columns; `text` when times are datetime strings. */
  timeUnit: z.enum(["ms", "us", "text", "none"]),
  /** Files dated on/after `from` use `unit` (spot switched to microseconds on 2025-01-01). */
  timeUnitSwitch: z.object({ from: date, unit: z.enum(["ms", "us"]) }).optional(),
  note: z.string().optional(),
});
export type CsvSchema = z.infer<typeof CsvSchemaSchema>;

/** Known publication window of a dataset in one partition (inclusive, by file period start). */
export const WindowSchema = z.object({
  from: date.optional(),
  to: date.optional(),
  /** The dataset exists as a folder but holds no keys. */
  empty: z.boolean().optional(),
  note: z.string().optional(),
});
export type DatasetWindow = z.infer<typeof WindowSchema>;

export const DataTypeSpecSchema = z.object({
  /** Partitions in which the archive publishes this type. */
  partitions: z.array(z.enum(["daily", "monthly"])).min(1),
  /** `interval`: kline-class, `<SYMBOL>/<interval>/<SYMBOL>-<interval>-<date>.zip`; `plain`: `<SYMBOL>/<SYMBOL>-<type>-<date>.zip`. */
  keyShape: z.enum(["interval", "plain"]),
  /** Interval folders per partition; required for `keyShape: interval`. */
  intervals: z
    .object({ daily: z.array(z.string()).optional(), monthly: z.array(z.string()).optional() })
    .optional(),
  /** Known windows per partition; absent = open on both ends. */
  windows: z.object({ daily: WindowSchema.optional(), monthly: WindowSchema.optional() }).optional(),
  /** Regex a symbol must match for this type (overrides the market's). */
  symbolPattern: z.string().optional(),
  description: z.string().optional(),
  csv: CsvSchemaSchema.optional(),
});
export type DataTypeSpec = z.infer<typeof DataTypeSpecSchema>;

export const MarketMatrixSchema = z.object({
  /** Path segment in archive keys: `spot`, `futures/um`, `futures/cm`, `option`. */
  archivePath: z.string().regex(/^[a-z0-9]+(\/[a-z0-9]+)*$/, "lower-case path segments"),
  /** Regex every symbol of this market must match. */
  symbolPattern: z.string(),
  /**
   * No file of this market covers a day before this one (the market's launch, on or before its first file): an
   * earlier `--start` is clamped to it, and one in an earlier year is taken for a typo.
   */
  firstDate: date.optional(),
  description: z.string().optional(),
  dataTypes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), DataTypeSpecSchema),
});
export type MarketMatrix = z.infer<typeof MarketMatrixSchema>;

export const ArchiveMatrixSchema = z.object({
  $schema: z.string().optional(),
  version: z.literal(1),
  markets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), MarketMatrixSchema),
});
export type ArchiveMatrix = z.infer<typeof ArchiveMatrixSchema>;

/**
 * A user's matrix file: same shape, but every part optional, so it can add one data type or override one
 * window without restating the rest.
 */
export const MatrixOverlaySchema = z.object({
  $schema: z.string().optional(),
  version: z.literal(1),
  markets: z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/),
    z.object({
      archivePath: MarketMatrixSchema.shape.archivePath.optional(),
      symbolPattern: z.string().optional(),
      firstDate: date.optional(),
      description: z.string().optional(),
      dataTypes: z
        .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), DataTypeSpecSchema.partial())
        .optional(),
    }),
  ),
});
export type MatrixOverlay = z.infer<typeof MatrixOverlaySchema>;

/** JSON Schema of a matrix file (what `matrix/archive-matrix.schema.json` holds). */
export function matrixJsonSchema(): unknown {
  return z.toJSONSchema(MatrixOverlaySchema, { target: "draft-2020-12" });
}
