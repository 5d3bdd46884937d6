// Public surface of @crypto-lakehouse/silver: bronze → silver conversion, reports, SQL over silver, gold tables.
export { cleanDuckError, convertBronze, newSilverRunId } from "./build.js";
export { type Detection, detect } from "./detect.js";
export {
  buildGold,
  dailyOhlcvSql,
  GOLD_TABLES,
  type GoldOptions,
  type GoldResult,
  type GoldTable,
  type KlineSource,
  klineSources,
} from "./gold.js";
export {
  checkSilverSpec,
  createSilverProcessor,
  SILVER_JOB,
  type SilverDetail,
  type SilverJobSpec,
  type SilverProcessorOptions,
} from "./job.js";
export {
  parseBronzeKey,
  silverPartKey,
  silverRunKey,
  silverStateKey,
  tableReportKey,
  viewName,
} from "./layout.js";
export { DEFAULT_MARKETS } from "./markets.js";
export {
  explainQueryError,
  openSqlSession,
  type QueryStream,
  type SqlSession,
  type SqlSessionOptions,
  streamQuery,
  type TableView,
} from "./query.js";
export { buildTableReport, readFileReports, readTableReports } from "./report.js";
export type { DuplicatePolicy, SilverColumn, SilverTableSchema } from "./schema.js";
export {
  DECIMAL_TYPE,
  duplicatePolicy,
  isKlineClass,
  LINEAGE_COLUMNS,
  silverSchema,
  TIME_TYPE,
} from "./schema.js";
export { compileSelection, selectionFromRequest } from "./selection.js";
export { SILVER_FORMAT } from "./state.js";
export type {
  BronzeSource,
  Compression,
  ConvertOptions,
  ConvertSettings,
  FailedFile,
  FileOutcome,
  FileReport,
  GapSummary,
  KlineGap,
  QueuedSilver,
  SeriesReport,
  SilverProgress,
  SilverRunSummary,
  SilverSelection,
  TableReport,
} from "./types.js";
export { FILE_OUTCOMES } from "./types.js";
