// Public types of the silver layer: what to convert, how, and the reports a conversion leaves behind.
import type { ArchiveFile, Executor, Logger, MarketPlugin } from "@crypto-lakehouse/core";

/** Which bronze files a silver build looks at; every field narrows, nothing given = everything in bronze. */
export interface SilverSelection {
  /** Market ids (`spot`, `futures_um`, `futures_cm`, `options`). */
  markets?: string[];
  /** Data types (`klines`, `fundingRate` …). */
  dataTypes?: string[];
  /** Exact symbols or globs (`BTC*`, `*USDT`). */
  symbols?: string[];
  /** Kline intervals (`1M` is read as `1mo`); other data types are not filtered by it. */
  intervals?: string[];
  /** Files whose period overlaps [start, end] (inclusive `YYYY-MM-DD`). */
  start?: string;
  end?: string;
  partitions?: ("daily" | "monthly")[];
}

export type Compression = "snappy" | "zstd" | "uncompressed";

/** How DuckDB converts: the settings a queue worker gets with the job too. */
export interface ConvertSettings {
  /** DuckDB threads (default 1). */
  threads?: number;
  /** DuckDB memory limit in MB (default 256). */
  memoryLimitMb?: number;
  /** Parquet compression (default snappy: fastest to write; zstd is ~25 % smaller). */
  compression?: Compression;
}

export interface ConvertOptions extends ConvertSettings {
  /** Market plugins whose CSV schemas drive the conversion (default: the four built-in markets). */
  markets?: readonly MarketPlugin[];
  runId?: string;
  /** Convert every selected file again, changed or not. */
  force?: boolean;
  /**
   * Scratch folder for extracted CSVs and Parquet parts (default: `_meta/staging/` of local storage, else the OS temp
   * dir). Zips are extracted ahead of DuckDB: it holds the CSV being converted and those waiting — always the next
   * one, more while the waiting ones total under 256 MB and 64 files.
   */
  tempDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: SilverProgress) => void;
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => Date;
  /** Convert on queue workers instead of in this process (`lakehouse silver --queue`). */
  queue?: QueuedSilver;
}

/** How a silver build reaches queue workers, and what they need to open the same lakehouse. */
export interface QueuedSilver {
  /** The queue's executor (BullMQ), as `collect --queue` uses it. */
  executor: Executor;
  /** The storage plugin and its options, as the workers create it (credentials come from their own environment). */
  storage: { id: string; options: unknown };
  /** Plugin modules the workers load. */
  plugins?: string[];
  /** Files per batch (default 64; a large file travels alone). */
  batchFiles?: number;
}

/** A bronze zip as the silver build sees it. */
export interface BronzeSource extends ArchiveFile {
  bronzeKey: string;
  size: number;
  lastModified?: string;
  etag?: string;
}

export const FILE_OUTCOMES = ["converted", "unchanged", "superseded", "failed"] as const;
export type FileOutcome = (typeof FILE_OUTCOMES)[number];

export interface SilverProgress {
  runId: string;
  /** Bronze files selected so far; final once `planComplete`. */
  planned: number;
  planComplete: boolean;
  done: number;
  counts: Record<FileOutcome, number>;
  /** Uncompressed CSV bytes converted. */
  csvBytes: number;
  rows: number;
  startedAt: number;
  last?: { key: string; outcome: FileOutcome; reason?: string };
}

export interface KlineGap {
  /** Open time of the last bar before the gap and of the first bar after it (ISO, UTC). */
  after: string;
  before: string;
  /** Bars missing in between. */
  missing: number;
}

export interface GapSummary {
  /** Number of gaps and of missing bars in total. */
  count: number;
  missingBars: number;
  /** The first gaps (at most 50). */
  gaps: KlineGap[];
}

/** The quality report of one converted file. */
export interface FileReport {
  bronzeKey: string;
  /** Silver Parquet key; absent when the file held no rows. */
  silverKey?: string;
  /** CSV data rows read (header excluded, duplicates included). */
  csvRows: number;
  /** Rows written to silver. */
  rows: number;
  duplicatesDropped: number;
  /** Rows sharing the data type's key with different values (kept; only checked where the policy has a key). */
  keyConflicts?: number;
  header: boolean;
  /** Unit of epoch time cells found in this file (`text`: datetime strings, `none`: no epoch column). */
  timeUnit: "ms" | "us" | "text" | "none";
  /** First and last value of the table's main time column (ISO, UTC). */
  timeMin?: string;
  timeMax?: string;
  csvBytes: number;
  parquetBytes: number;
  /** Klines only: missing bars inside the file. */
  gaps?: GapSummary;
  notes?: string[];
  /**
   * Converted again because the bronze file changed since its last conversion (an upstream change, see
   * `lakehouse changes`): the SHA-256 and run of the version it replaces.
   */
  replaced?: { sha256: string; runId: string };
  durationMs: number;
}

export interface FailedFile {
  key: string;
  reason: string;
}

/** Per series (symbol, interval) of a table. */
export interface SeriesReport {
  symbol: string;
  interval?: string;
  files: number;
  rows: number;
  timeMin?: string;
  timeMax?: string;
  duplicatesDropped: number;
  /** Klines only: missing bars inside files and between consecutive files. */
  gaps?: GapSummary;
}

/** The quality report of one silver table (`_meta/silver/tables/<market>/<dataType>.json`). */
export interface TableReport {
  market: string;
  dataType: string;
  view: string;
  files: number;
  superseded: number;
  rows: number;
  timeMin?: string;
  timeMax?: string;
  duplicatesDropped: number;
  duplicatePolicy: string;
  /** Klines only: gaps and missing bars over every series. */
  gaps?: { count: number; missingBars: number };
  /** Every series in the stored report; in a run summary only those with gaps (at most 20), see `seriesTotal`. */
  series: SeriesReport[];
  /** Number of series of the table (set in run summaries, whose `series` are trimmed). */
  seriesTotal?: number;
  updatedAt: string;
}

export interface SilverRunSummary {
  runId: string;
  status: "completed" | "completed_with_failures" | "cancelled";
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  selection: SilverSelection;
  planned: number;
  counts: Record<FileOutcome, number>;
  csvBytes: number;
  parquetBytes: number;
  rows: number;
  duplicatesDropped: number;
  failures: FailedFile[];
  /** Reports of the tables this run touched. */
  tables: TableReport[];
  /** Reports of the files this run converted, by bronze key (returned and printed; not in the stored run record). */
  files: FileReport[];
  notes: string[];
  output: string;
}
