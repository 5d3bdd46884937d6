// A downloader lists the archive and fetches zips (+ their .CHECKSUM) into a staging directory.
// Verification, storage and bookkeeping are the pipeline's job, identical for every downloader.
import type { z } from "zod";
import type { LakehouseError } from "../errors.js";
import type { ArchiveFile } from "../model/types.js";
import type { ConcurrencyReport } from "../transfer/adaptive-limit.js";
import type { PluginDeps } from "./logger.js";

export interface RemoteObject {
  kind: "object";
  key: string;
  size: number;
  /** Without quotes. */
  etag?: string;
  lastModified?: Date;
}
export interface RemotePrefix {
  kind: "prefix";
  /** Ends with the delimiter. */
  prefix: string;
}
export type RemoteEntry = RemoteObject | RemotePrefix;

export interface ListOptions {
  /** Default "/": yields the folder's objects and its sub-folders as prefixes. `""` lists recursively. */
  delimiter?: string;
  signal?: AbortSignal;
}

export interface FetchOptions {
  /** Also fetch `<key>.CHECKSUM` (download_checksum). */
  withChecksum: boolean;
  signal?: AbortSignal;
  /** Called as body bytes arrive, for live progress. */
  onBytes?: (n: number) => void;
}

export interface FetchedFile {
  status: "fetched";
  file: ArchiveFile;
  /** Staged zip; the pipeline moves or deletes it. Not on disk when `zipBytes` is set. */
  zipPath: string;
  /**
   * The zip's bytes, when the downloader kept a small body in memory instead of staging it: the pipeline verifies
   * and stores them from here (no staging file to write, read back and move).
   */
  zipBytes?: Buffer;
  size: number;
  /** SHA-256 (hex) computed while streaming; absent when the downloader could not hash in flight. */
  sha256?: string;
  /** MD5 (hex) of the body when known for free; otherwise the pipeline hashes it on a SHA-256 mismatch only. */
  md5?: string;
  etag?: string;
  lastModified?: Date;
  /** Text of the .CHECKSUM; undefined when not requested or not published (`checksumMissing`). */
  checksumText?: string;
  checksumMissing?: boolean;
  attempts: number;
}
export interface NotFoundFile {
  status: "not_found";
  file: ArchiveFile;
  attempts: number;
}
export interface FailedFetch {
  status: "error";
  file: ArchiveFile;
  error: LakehouseError;
  attempts: number;
}
export type FetchResult = FetchedFile | NotFoundFile | FailedFetch;

export interface Downloader {
  readonly kind: "downloader";
  readonly id: string;
  list(prefix: string, options?: ListOptions): AsyncIterable<RemoteEntry>;
  /** One result per requested file, in any order. Never throws for a single file's failure. */
  fetch(files: readonly ArchiveFile[], stagingDir: string, options: FetchOptions): AsyncIterable<FetchResult>;
  /** The transfers it allows in flight (adaptive or capped), for the run summary and progress. */
  concurrency?(): ConcurrencyReport;
  /**
   * The most batches it serves well at once in one process, when that is fewer than an executor would run (e.g.
   * one helper process per batch, each holding memory). Absent: as many as the executor sees fit.
   */
  readonly maxBatchesInFlight?: number;
  close?(): Promise<void>;
}

/** Settings every downloader honours; plugin-specific ones arrive in `options`. */
export interface DownloaderSettings {
  /** Custom S3 endpoint (the replica): listings, and objects unless `objectEndpoint` says otherwise. */
  endpoint?: string;
  /**
   * Base URL objects are fetched from, as `<objectEndpoint>/<key>` (a download host such as
   * https://data.binance.vision, or `<S3 endpoint>/<bucket>`). Undefined: the archive's download host for the real
   * archive, `<endpoint>/<bucket>` for a custom endpoint. Downloaders that can only speak S3 ignore it.
   */
  objectEndpoint?: string;
  region: string;
  bucket: string;
  /** Parallel transfers: a cap never exceeded. */
  concurrency: number;
  /**
   * The user set no limit: start low and adapt (grow while throughput grows, back off on throttling) up to
   * `concurrency`. False or absent: start at `concurrency`, backing off only when the server throttles.
   */
  adaptiveConcurrency?: boolean;
  timeoutSeconds: number;
  /** Attempts after the first for retryable failures. */
  retries: number;
  partSizeMb: number;
}

export interface DownloaderPlugin<O = unknown> {
  readonly kind: "downloader";
  readonly id: string;
  readonly description: string;
  /**
   * Options as the config gives them: `downloader: { kind, …options }` plus the top-level keys named in
   * `configKeys`, under their config spelling. The schema maps those spellings onto its own options.
   */
  readonly optionsSchema?: z.ZodType<O>;
  /**
   * Top-level config keys this downloader reads as options (the specification's `enable_batch_mode`,
   * `s5cmd_extra_args` for s5cmd). With another downloader chosen, the host notes them as unused.
   */
  readonly configKeys?: readonly string[];
  create(settings: DownloaderSettings, options: O, deps: PluginDeps): Downloader | Promise<Downloader>;
}

/** The real archive: public, anonymous, path-style S3. */
export const REAL_ARCHIVE = {
  bucket: "data.binance.vision",
  region: "ap-northeast-1",
  endpoint: "https://s3-ap-northeast-1.amazonaws.com",
  /** The documented download host (CloudFront, edges near the user): `<objectEndpoint>/<key>`. */
  objectEndpoint: "https://data.binance.vision",
} as const;
