// The archive's vocabulary: markets, partitions, files. Plain data, shared by every package.

/** A market plugin's id, e.g. `spot` (the built-in ones are listed in @crypto-lakehouse/markets-builtin). */
export type MarketId = string;

export const PARTITIONS = ["daily", "monthly"] as const;
export type Partition = (typeof PARTITIONS)[number];

/** One zip in the archive (its `.CHECKSUM` sidecar is `key + ".CHECKSUM"`). */
export interface ArchiveFile {
  market: MarketId;
  partition: Partition;
  dataType: string;
  symbol: string;
  /** Only for kline-class data types (they have an interval folder). */
  interval?: string;
  /** `YYYY-MM-DD` for daily files, `YYYY-MM` for monthly files. */
  period: string;
  /** Full archive key, `data/...zip`. */
  key: string;
}

/** What happened to one planned file. */
export const OUTCOMES = [
  "downloaded",
  /** Stored after a full CRC test, but the archive publishes no `.CHECKSUM` to verify it against (yet). */
  "unverified",
  "skipped",
  "missing",
  "pending",
  "checksum_mismatch",
  "failed",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type OutcomeCounts = Record<Outcome, number>;

export function emptyCounts(): OutcomeCounts {
  return {
    downloaded: 0,
    unverified: 0,
    skipped: 0,
    missing: 0,
    pending: 0,
    checksum_mismatch: 0,
    failed: 0,
  };
}

export const CHECKSUM_SUFFIX = ".CHECKSUM";

/**
 * How deeply collect test-opens a zip whose SHA-256 matched (`zip_test`): `crc` inflates every member and checks
 * its CRC-32; `structure` checks the zip's structure and the start of each deflate stream, and the CRC-32 of every
 * member up to 1 MiB compressed. See pipeline/zipcheck.ts.
 */
export const ZIP_TEST_MODES = ["structure", "crc"] as const;
export type ZipTestMode = (typeof ZIP_TEST_MODES)[number];
