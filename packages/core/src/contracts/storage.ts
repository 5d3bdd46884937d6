// A storage backend holds the lakehouse (bronze, silver, gold, _meta). Puts are atomic: an object appears
// under its final key only complete.
import type { Readable } from "node:stream";
import type { z } from "zod";
import type { PluginDeps } from "./logger.js";

export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
  etag?: string;
  /** User metadata (e.g. `sha256`); filled by `head`, not necessarily by `list`. */
  metadata?: Record<string, string>;
}

/**
 * `consume: true` hands the file over: the backend may move it into place instead of copying it (a 50 MB copy
 * plus its fsync per file otherwise), and the caller must not use the path afterwards.
 */
export type PutSource = { path: string; consume?: boolean } | { data: Uint8Array | string };

/** A temp file an interrupted write left behind (stores that write through temp files: local). */
export interface Leftover {
  /** Its key as a path under the root (a temp name: never an object key). */
  key: string;
  size: number;
  lastModified: Date;
  /** Its writer is gone (dead process, or idle long enough elsewhere), so it can be removed; else in progress. */
  gone: boolean;
}

export interface PutOptions {
  metadata?: Record<string, string>;
  contentType?: string;
  /**
   * `"group"` lets a store that must sync to make a write durable (local disks) sync many puts at once instead of
   * each: the put still returns only once its object is visible under its key *with its content durable*, but
   * that key (the rename into place) is durable only once a later group put has returned, or `flush()` resolved.
   * So a put started after another returned can never survive a crash without it — ordered puts (a zip, then its
   * record) keep their order — at the price of a longer wait per put. Stores durable on every put ignore it.
   * Default `"each"`: durable when the put returns.
   */
  durability?: "each" | "group";
}

export interface StorageBackend {
  readonly kind: "storage";
  readonly id: string;
  /** Where it writes, for messages (`/data/lake`, `s3://bucket/prefix`). Never contains secrets. */
  readonly location: string;
  /** Throws PERMISSION_DENIED / STORAGE_FAILED before any work starts if the store cannot be written. */
  checkWritable(): Promise<void>;
  head(key: string): Promise<StoredObject | undefined>;
  put(key: string, source: PutSource, options?: PutOptions): Promise<StoredObject>;
  /** Throws NOT_FOUND when absent. */
  get(key: string): Promise<Readable>;
  /** Whole small object (metadata records), or undefined when absent. */
  read(key: string): Promise<Buffer | undefined>;
  /** Every object under `prefix` (recursive), paginated underneath. */
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(key: string): Promise<void>;
  /**
   * Temp files of unfinished writes under `prefix` (a killed process's, or writes in progress). Stores whose
   * writes leave nothing behind (S3) do not implement it. Puts already remove gone writers' leftovers in the
   * folders they write to.
   */
  leftovers?(prefix: string): AsyncIterable<Leftover>;
  /** Removes a leftover listed by `leftovers` (absent already: no error). */
  removeLeftover?(key: string): Promise<void>;
  /** A local path for tools that need one (DuckDB); undefined when the store is remote. */
  localPath?(key: string): string | undefined;
  /** Makes every `durability: "group"` put that has returned durable (stores without group commit omit it). */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

/** Top-level settings of a run that a storage backend may use as defaults. */
export interface StorageSettings {
  /** part_size_mb: multipart part size for uploads. */
  partSizeMb?: number;
}

export interface StoragePlugin<O = unknown> {
  readonly kind: "storage";
  readonly id: string;
  readonly description: string;
  readonly optionsSchema?: z.ZodType<O>;
  /**
   * Turns an `--output` value into options when this backend owns it (`s3://…`, a path …). `settings` carries the
   * run's top-level settings a backend may take as defaults (`part_size_mb`).
   */
  fromOutput?(output: string, settings?: StorageSettings): O | undefined;
  /**
   * The options as they travel in a queued job to workers in another folder or on another machine (e.g. a
   * relative root made absolute). Without it they travel as they are.
   */
  portable?(options: O): O;
  create(options: O, deps: PluginDeps): StorageBackend | Promise<StorageBackend>;
}
