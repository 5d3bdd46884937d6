// Options and manifest of the archive replica generator.
import type { MarketId, MarketPlugin, Partition } from "@crypto-lakehouse/core";

export interface ReplicaOptions {
  /** The bucket root: archive files go to `<outDir>/data/...`; nothing else is written there. */
  outDir: string;
  /** Markets to generate (default: all four built-in markets). */
  markets?: MarketId[];
  /** Data types (default: every type of each market); a type one market lacks is skipped for that market. */
  dataTypes?: string[];
  /** Symbols per market (default: each market's replica.sampleSymbols, ones that exist in reality). */
  symbols?: Partial<Record<MarketId, string[]>>;
  /** First and last day, `YYYY-MM-DD`, inclusive. */
  start: string;
  end: string;
  /** Kline intervals (default: every interval the matrix allows per market and partition). `1M` means `1mo`. */
  intervals?: string[];
  /** Partitions (default: both). Monthly files are written for each whole month inside [start, end]. */
  partitions?: Partition[];
  /** Data rows per file (default 50); daily klines of 1h and longer always hold the whole day. */
  rowsPerFile?: number;
  /** Reproduce the archive's quirks (default true); see the README for the list. */
  quirks?: boolean;
  /**
   * Fewest files a series needs for one of them to become a hole (default 3: the hole has a neighbour on each
   * side). 1 gives a one-month range a monthly hole too.
   */
  holeMinFiles?: number;
  /**
   * Symbols delisted inside the range: their files stop after `lastDay` (a monthly file only for whole months up
   * to it), like a settled contract or a delisted pair. `market` limits it to one market (default: every market).
   */
  delisted?: { symbol: string; lastDay: string; market?: MarketId }[];
  /** PRNG seed (default 1): same options and seed → byte-identical files. */
  seed?: number;
  /** Extra large spot trades files for benchmarks (`BENCH0001USDT`…), each a `sizeMb` zip (±10%). */
  largeFiles?: { count: number; sizeMb: number };
  /** Extra small spot trades files for benchmarks (`SMALL0001USDT`…), zips of minKb…maxKb. */
  smallFiles?: { count: number; minKb: number; maxKb: number };
  /** Replace an existing `<outDir>/data` tree (default false: refuse to mix with old files). */
  overwrite?: boolean;
  /**
   * Add to an existing `<outDir>/data` tree (default false): files that are not there yet are written (a new day,
   * a new symbol …), files already there are left as they are. The manifest lists the selection's files.
   */
  merge?: boolean;
  /**
   * Files published without a `.CHECKSUM` (it happens on real days): these keys, or with a number the last N daily
   * files of the selection (holes and the stale file excepted). Listed in `manifest.withoutChecksum`.
   */
  withoutChecksum?: number | string[];
  /** Files generated at once (default 8). */
  concurrency?: number;
  /** Market plugins to follow (default: the four built-in plugins); pass a catalog's plugins to honour a matrix file. */
  plugins?: readonly MarketPlugin[];
}

export interface ReplicaFile {
  /** Archive key of the zip, `data/...zip`. */
  key: string;
  /** Zip size in bytes. */
  size: number;
  /** Real sha256 (hex) of the zip. */
  sha256: string;
  /** Key of the `.CHECKSUM` sidecar. */
  checksumKey: string;
  /** The sidecar's hash does not match the zip (deliberately). */
  stale?: boolean;
  /** Published without a `.CHECKSUM` (`withoutChecksum`). */
  noChecksum?: boolean;
  market: MarketId;
  partition: Partition;
  dataType: string;
  symbol: string;
  interval?: string;
  period: string;
  /** Data rows in the CSV, header excluded, duplicates included. */
  rows: number;
  /** Whether the CSV starts with a header row. */
  header: boolean;
  /** Unit of epoch time cells (`text`: datetime strings, `none`: no time column). */
  timeUnit: "ms" | "us" | "text" | "none";
  /** Set on the synthetic benchmark files. */
  bench?: "large" | "small";
}

/** Every deliberate deviation from a clean archive that this replica carries. */
export interface ReplicaQuirks {
  enabled: boolean;
  /** Futures types with "sometimes" headers: none before these dates, a header from them on. */
  headerSwitch: { daily: string; monthly: string } | null;
  /** Spot epoch times switch from ms to µs for files dated on/after this day. */
  microsecondsFrom: string | null;
  /** Every metrics row appears twice in files dated inside this window. */
  duplicatedMetrics: { from: string; to: string } | null;
  /** Every liquidationSnapshot event appears twice. */
  duplicatedLiquidations: boolean;
  /** Metrics files leave some ratio cells empty. */
  emptyMetricCells: boolean;
  /** Kline files that hold a flat zero-volume row (an outage), with the row index. */
  outageKlines: { key: string; row: number }[];
  /** CHECKSUM sidecars whose hash does not match their zip. */
  staleChecksums: string[];
  /** Keys the matrix says exist that were left out (zip and CHECKSUM). */
  holes: string[];
  /** Datasets the matrix marks empty (no keys at all), as `market/partition/dataType`. */
  emptyDataTypes: string[];
  /** CHECKSUM text ends with `\n` (futures, options) or not (spot). */
  checksumTrailingNewline: Record<string, boolean>;
}

export interface ReplicaManifest {
  version: 1;
  /** Absolute bucket root (the `outDir`). */
  root: string;
  /** The options the replica was generated with (outDir and plugins left out). */
  options: Omit<ReplicaOptions, "outDir" | "plugins">;
  /** Every zip written, sorted by key. */
  files: ReplicaFile[];
  /** Keys intentionally absent. */
  holes: string[];
  /** Keys whose sidecar is stale. */
  stale: string[];
  /** Keys published without a `.CHECKSUM`. */
  withoutChecksum: string[];
  quirks: ReplicaQuirks;
}
