// Public surface of @crypto-lakehouse/core: the contracts every other package builds on (no engine, no I/O beyond
// reading a matrix overlay). Plugin authors import from here; the engine lives in @crypto-lakehouse/engine.
export {
  addDays,
  firstDayOfMonth,
  fromDayNumber,
  isRealDate,
  lastDayOfMonth,
  monthOf,
  nextMonth,
  toDayNumber,
  todayUtc,
} from "./config/dates.js";
export { formatZodIssues } from "./config/issues.js";
export type {
  CollectionRequest,
  CollectSettings,
  MarketSelection,
  NormalizeOptions,
  PlanNote,
  ResolvedConfig,
} from "./config/normalize.js";
export { canonicalInterval, normalizeConfig, normalizeSettings } from "./config/normalize.js";
export type { PartitionMode, RawConfig } from "./config/schema.js";
export { DOWNLOADER_CONFIG_KEYS } from "./config/settings.js";
export type {
  Downloader,
  DownloaderPlugin,
  DownloaderSettings,
  FailedFetch,
  FetchedFile,
  FetchOptions,
  FetchResult,
  ListOptions,
  NotFoundFile,
  RemoteEntry,
  RemoteObject,
  RemotePrefix,
} from "./contracts/downloader.js";
export { REAL_ARCHIVE } from "./contracts/downloader.js";
export type {
  Batch,
  BatchContext,
  BatchProcessor,
  CancelResult,
  CollectJob,
  Executor,
  ExecutorPlugin,
  ExecutorRun,
  ExecutorRunInput,
  ExecutorSchedules,
  FileResult,
  KindJob,
  QueueJob,
  SyncSchedule,
  SyncScheduleSpec,
} from "./contracts/executor.js";
export { jobKind } from "./contracts/executor.js";
export type { LogFields, Logger, PluginDeps } from "./contracts/logger.js";
export { silentLogger } from "./contracts/logger.js";
export type {
  CsvDialect,
  MarketDefinition,
  MarketPlugin,
  ReplicaFormat,
  SilverFormat,
  SymbolResolution,
  SymbolRewrite,
} from "./contracts/market.js";
export { CSV_DIALECTS, defineMarket } from "./contracts/market.js";
export type {
  Leftover,
  PutOptions,
  PutSource,
  StorageBackend,
  StoragePlugin,
  StorageSettings,
  StoredObject,
} from "./contracts/storage.js";
export { checkKeySegments, invalidStorageKey } from "./contracts/storage-keys.js";
export type { ErrorCode, LakehouseErrorOptions } from "./errors.js";
export {
  diskFullCode,
  INPUT_ERROR_CODES,
  isLakehouseError,
  LakehouseError,
  toLakehouseError,
} from "./errors.js";
export {
  basename,
  bronzeFolder,
  bronzeKey,
  checkRunId,
  fileRecordFolder,
  fileRecordKey,
  META,
  parseStagingName,
  processAlive,
  quarantineKey,
  RUN_ID_PATTERN,
  runSummaryKey,
  STAGING,
  STALE_OTHER_HOST_MS,
  STALE_UNOWNED_MS,
  stagingHost,
  stagingKey,
  stagingName,
  writerGone,
} from "./lake/layout.js";
export type { FailureRecord, FileRecord, RunError, RunSummary } from "./lake/records.js";
export type { Catalog } from "./matrix/compose.js";
export { composeMatrix, createCatalog, loadMatrixOverlay } from "./matrix/compose.js";
export type { FileRef } from "./matrix/keys.js";
export type { ColumnType, CsvColumn, CsvSchema, DataTypeSpec, MarketMatrix } from "./matrix/schema.js";
export { ArchiveMatrixSchema, MarketMatrixSchema, matrixJsonSchema } from "./matrix/schema.js";
export { windowText } from "./matrix/window-text.js";
export type {
  ArchiveFile,
  MarketId,
  Outcome,
  OutcomeCounts,
  Partition,
  ZipTestMode,
} from "./model/types.js";
export {
  CHECKSUM_SUFFIX,
  emptyCounts,
  OUTCOMES,
  PARTITIONS,
  ZIP_TEST_MODES,
} from "./model/types.js";
export type { Backoff } from "./retry/backoff.js";
export { backoffDelay, sleepUnlessAborted, waitBeforeRetry } from "./retry/backoff.js";
export type { AdaptiveLimit, ConcurrencyReport, Release } from "./transfer/adaptive-limit.js";
export { ADAPTIVE_MAX, createAdaptiveLimit } from "./transfer/adaptive-limit.js";
export { ensureStagingDir } from "./transfer/staging-dir.js";
export { forEachConcurrent, mapConcurrent } from "./util/concurrency.js";
export type { UrlCredentials } from "./util/redact.js";
export { redactSecrets, redactUrl, redactUrlsIn, splitUrlCredentials } from "./util/redact.js";
