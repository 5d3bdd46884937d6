// The coverage vocabulary: the one state each expected archive file (a series' day or month) is in, and a cell.
import type { MarketId, Partition } from "@crypto-lakehouse/core";

/**
 * - `verified`: in bronze, verified against the archive's `.CHECKSUM` (it is stored beside the zip).
 * - `unverified`: in bronze without a verified `.CHECKSUM` (`--no-checksum`, or none published).
 * - `superseded`: a daily file bronze lacks, whose month bronze holds as a monthly file.
 * - `quarantined` / `failed`: the archive has it, and the last attempt to collect it ended so (its reason kept).
 * - `not_collected`: the archive has it (its listing says so), bronze does not.
 * - `pending`: neither has it, and it is too recent to be published.
 * - `hole`: the archive's listing lacks it although the series has files before or after it.
 */
export const COVERAGE_STATES = [
  "verified",
  "unverified",
  "superseded",
  "not_collected",
  "failed",
  "quarantined",
  "pending",
  "hole",
] as const;
export type CoverageState = (typeof COVERAGE_STATES)[number];

/** One market × data type × symbol × interval: the rows of the heatmap. */
export interface SeriesRef {
  market: MarketId;
  dataType: string;
  symbol: string;
  interval?: string;
}

/** One expected file of a series and its state. */
export interface CoverageCell extends SeriesRef {
  partition: Partition;
  /** `YYYY-MM-DD` (daily) or `YYYY-MM` (monthly). */
  period: string;
  state: CoverageState;
  /** Archive key of the zip. */
  key: string;
  /** Bytes: the stored zip's, else the archive listing's. */
  size?: number;
  /** Why (failed, quarantined, hole, unverified …), in words. */
  reason?: string;
  /** The run that stored it, or whose attempt failed. */
  runId?: string;
}

export function seriesLabel(s: SeriesRef): string {
  return `${s.market}/${s.dataType}/${s.symbol}${s.interval ? `/${s.interval}` : ""}`;
}

export type StateCounts = Record<CoverageState, number>;

export function emptyStateCounts(): StateCounts {
  return Object.fromEntries(COVERAGE_STATES.map((s) => [s, 0])) as StateCounts;
}
