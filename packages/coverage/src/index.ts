// Public surface of @crypto-lakehouse/coverage: what the lakehouse holds against what the archive lists.
export { type Attempt, lastAttempts, type StoredZip, storedFolder } from "./bronze.js";
export { type SeriesInput, seriesCells } from "./compute.js";
export {
  COVERAGE_COLUMNS,
  COVERAGE_TABLE_KEY,
  type CoverageOptions,
  type CoverageSummary,
  computeCoverage,
  coverageRow,
  type HoleRun,
  type SeriesSummary,
  type UpdateCoverageOptions,
  updateCoverage,
} from "./coverage.js";
export {
  archiveSource,
  DEFAULT_LISTING_MAX_AGE_MS,
  type FolderLister,
  type FolderListing,
  type ListedObject,
  ListingCache,
  type ListingCacheOptions,
  listingCacheKey,
} from "./listing.js";
export { HtmlReport, STATE_COLORS, sizeCode } from "./report.js";
export type { ClientData, ClientPanel } from "./report-client.js";
export { type CoverageSelection, checkSelection, coverageSeries } from "./series.js";
export {
  COVERAGE_STATES,
  type CoverageCell,
  type CoverageState,
  emptyStateCounts,
  type SeriesRef,
  type StateCounts,
  seriesLabel,
} from "./states.js";
export {
  listedOn,
  SYMBOLS_COLUMNS,
  type SymbolHistory,
  type SymbolHistoryOptions,
  symbolHistory,
  symbolsTableKey,
  writeSymbolsTable,
} from "./symbols.js";
export { csvCell, metaTableFolder, ParquetTableWriter, type TableColumn } from "./table.js";
