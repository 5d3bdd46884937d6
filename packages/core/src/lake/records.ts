// Metadata records kept under `_meta/`: one per stored file, one summary per run.
import type { ErrorCode } from "../errors.js";
import type { OutcomeCounts, ZipTestMode } from "../model/types.js";
import type { ConcurrencyReport } from "../transfer/adaptive-limit.js";

export interface FileRecord {
  /** Archive key (`data/...zip`). */
  key: string;
  bronzeKey: string;
  sha256: string;
  size: number;
  /** False when collected with `download_checksum: false`. */
  verified: boolean;
  /**
   * `no_checksum`: the archive published no `.CHECKSUM` for it, so it was stored after a full CRC test of every
   * member; a later verifying run promotes it (or quarantines it) once a `.CHECKSUM` appears.
   */
  unverified?: "no_checksum";
  /** SHA-256 the archive's `.CHECKSUM` published, when fetched. */
  checksum?: string;
  /** How deeply the zip was test-opened: `crc` when every member's CRC-32 was checked (zip_test). */
  zipTest?: ZipTestMode;
  /** The archive's ETag and LastModified of the object fetched. */
  etag?: string;
  lastModified?: string;
  /** The store's own ETag of the stored zip, when it has one (S3): resume compares it with the store's listing. */
  storedEtag?: string;
  runId: string;
  storedAt: string;
}

export interface FailureRecord {
  key: string;
  outcome: string;
  reason: string;
}

export interface RunError {
  /** A `LakehouseError` code (`INTERNAL` for anything else thrown). */
  code: ErrorCode;
  message: string;
  details?: string[];
}

export interface RunSummary {
  runId: string;
  status: "completed" | "completed_with_failures" | "cancelled" | "failed";
  /** Why a run was cancelled from outside (`lakehouse cancel`), and how to finish it. */
  cancelReason?: string;
  /** What ended a `failed` run (planning, listing, the store, the executor); counts are what was done before. */
  error?: RunError;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The request as resolved (markets, types, symbols, dates) — no secrets. */
  request: unknown;
  settings: Record<string, unknown>;
  planned: number;
  counts: OutcomeCounts;
  bytes: number;
  /** Time spent per outcome, summed over files. */
  durations: Partial<Record<keyof OutcomeCounts, number>>;
  failures: FailureRecord[];
  notes: string[];
  output: string;
  downloader: string;
  executor: string;
  /** The concurrency the downloader reached, when it reports it (in-process runs). */
  concurrency?: ConcurrencyReport;
}
