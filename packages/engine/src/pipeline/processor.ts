// Processes one batch: fetch with the chosen downloader, verify (SHA-256 against the .CHECKSUM, test-open the
// zip), store atomically, record. The same code path for every downloader, storage and executor.
import { unlink } from "node:fs/promises";
import type {
  Batch,
  BatchContext,
  BatchProcessor,
  Downloader,
  FetchedFile,
  FetchOptions,
  FetchResult,
  FileResult,
  Logger,
  StorageBackend,
} from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  addDays,
  diskFullCode,
  LakehouseError,
  monthOf,
  todayUtc,
  type ZipTestMode,
} from "@crypto-lakehouse/core";
import { quarantineFile, type StoreDeps, storeFile } from "./store.js";
import { quarantineDisproved, unverifiedReason } from "./unverified.js";
import { type Verified, verifyFetched } from "./verdict.js";

export interface ProcessorDeps {
  runId: string;
  downloader: Downloader;
  storage: StorageBackend;
  stagingDir: string;
  /** download_checksum: verify SHA-256 and test-open zips. */
  verify: boolean;
  /** How deeply a zip whose SHA-256 matched is test-opened (default `structure`). */
  zipTest?: ZipTestMode;
  logger: Logger;
  today?: () => string;
}

interface Resolved extends ProcessorDeps, StoreDeps {
  zipTest: ZipTestMode;
  today: () => string;
}

/** Results of one batch verified at the same time (hash, zip test: CPU and file-system round trips). */
const VERIFYING = 8;
/**
 * Verified files being stored at the same time. A store waits for group syncs (zip, .CHECKSUM, record one after
 * another), which costs time but no CPU, so many overlap; each holds at most a small zip in memory.
 */
const STORING = 256;

/** Deletes a staged file; plain unlink, since rm's extra lstat per file showed in small-file profiles. */
async function removeStaged(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
}

/** A 404 for a date too recent to be published is `pending`, not `missing` (docs/archive.md §5). */
export function isPending(f: ArchiveFile, today: string): boolean {
  if (f.partition === "daily") return f.period >= addDays(today, -2);
  return f.period >= monthOf(addDays(today, -20));
}

export function createBatchProcessor(deps: ProcessorDeps): BatchProcessor {
  const resolved: Resolved = {
    ...deps,
    zipTest: deps.zipTest ?? "structure",
    today: deps.today ?? (() => todayUtc()),
  };
  return (batch, ctx) => new BatchRun(resolved, batch, ctx).run();
}

/** One batch in progress: its results so far, the files being verified and stored, the first full device. */
class BatchRun {
  private readonly results: FileResult[] = [];
  private readonly started = Date.now();
  private readonly verifying = new Set<Promise<void>>();
  private readonly storing = new Set<Promise<void>>();
  private readonly fetchOpts: FetchOptions;
  /** The first full (or read-only) device: it stops the batch, and the run, instead of failing every file. */
  private full: LakehouseError | undefined;
  /** An unexpected error of a file's handling (a bug, not a file's failure): it fails the batch. */
  private crashed: { error: unknown } | undefined;

  constructor(
    private readonly deps: Resolved,
    private readonly batch: Batch,
    private readonly ctx: BatchContext,
  ) {
    this.fetchOpts = {
      withChecksum: deps.verify,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onBytes ? { onBytes: ctx.onBytes } : {}),
    };
  }

  async run(): Promise<FileResult[]> {
    try {
      for await (const r of this.deps.downloader.fetch(
        this.batch.files,
        this.deps.stagingDir,
        this.fetchOpts,
      )) {
        this.track(this.verifying, this.handle(r, false));
        if (this.verifying.size >= VERIFYING) await Promise.race(this.verifying);
        if (this.storing.size >= STORING) await Promise.race(this.storing);
        if (this.full || this.crashed) break;
      }
    } finally {
      // Also when the fetch ends early (cancelled): files being stored finish and are counted before the batch
      // returns, so nothing is written after the run's summary (or into a staging folder already removed).
      await Promise.all(this.verifying);
      await Promise.all(this.storing);
    }
    if (this.crashed) throw this.crashed.error;
    if (this.full) throw this.full;
    this.failUnanswered();
    // Grouped puts returned visible; this makes the last ones (the records) durable before the batch counts as done.
    await this.deps.storage.flush?.();
    return this.results;
  }

  /** Keeps `p` in `set` until it settles; an unexpected rejection is kept to fail the batch. */
  private track(set: Set<Promise<void>>, p: Promise<void>): void {
    const tracked: Promise<void> = p
      .catch((error) => {
        this.crashed ??= { error };
      })
      .finally(() => set.delete(tracked));
    set.add(tracked);
  }

  /** A downloader must answer for every file; anything it dropped is a failure, never a silent success. */
  private failUnanswered(): void {
    const seen = new Set(this.results.map((x) => x.file.key));
    for (const f of this.batch.files) {
      if (!seen.has(f.key)) {
        this.finish({
          file: f,
          outcome: "failed",
          bytes: 0,
          durationMs: Date.now() - this.started,
          reason: "no result from the downloader",
        });
      }
    }
  }

  private finish(res: FileResult): void {
    // A file cut short by cancelling the run did not fail: it is left unfinished, and the next run collects it.
    if (res.outcome === "failed" && this.ctx.signal?.aborted) return;
    this.results.push(res);
    this.ctx.onFile?.(res);
  }

  private stopIfFull(f: ArchiveFile, e: unknown, size?: number): boolean {
    const code = diskFullCode(e);
    if (!code) return false;
    this.full ??= diskFullError(f, e, code, size);
    return true;
  }

  private base(r: FetchResult) {
    return { file: r.file, durationMs: Date.now() - this.started, attempts: r.attempts };
  }

  /** Turns a download's result into a file result: not found, failed, or verified and handed to `store`. */
  private async handle(r: FetchResult, retried: boolean): Promise<void> {
    const f = r.file;
    if (r.status === "not_found") {
      const pending = isPending(f, this.deps.today());
      this.finish({
        ...this.base(r),
        outcome: pending ? "pending" : "missing",
        bytes: 0,
        reason: pending ? "not published yet (404)" : "404 Not Found",
      });
      return;
    }
    if (r.status === "error") {
      if (!this.stopIfFull(f, r.error))
        this.finish({ ...this.base(r), outcome: "failed", bytes: 0, reason: r.error.message });
      return;
    }
    let handedOver = false;
    try {
      const v = await verifyFetched(r, this.deps.verify, this.deps.zipTest);
      if (v.ok) {
        this.track(this.storing, this.store(r, v));
        handedOver = true;
        return;
      }
      if (v.refetch && !retried) {
        this.deps.logger.warn("checksum mismatch on a body that differs from the ETag; fetching once more", {
          key: f.key,
        });
        if (!r.zipBytes) await removeStaged(r.zipPath);
        for await (const again of this.deps.downloader.fetch([f], this.deps.stagingDir, this.fetchOpts))
          await this.handle(again, true);
        return;
      }
      if (v.quarantine) await quarantineFile(this.deps, r, v.reason);
      if (v.outcome === "checksum_mismatch")
        await quarantineDisproved(this.deps.storage, this.deps.runId, r, this.deps.logger);
      this.deps.logger.warn(v.reason, { key: f.key, outcome: v.outcome });
      this.finish({ ...this.base(r), outcome: v.outcome, bytes: r.size, reason: v.reason });
    } catch (e) {
      this.failed(r, e);
    } finally {
      // Never written when held in memory; a stored one is removed by `store`.
      if (!r.zipBytes && !handedOver) await removeStaged(r.zipPath);
    }
  }

  /** Stores a verified file (zip, .CHECKSUM, record) and counts it. */
  private async store(r: FetchedFile, v: Verified): Promise<void> {
    try {
      await storeFile(this.deps, r, v);
      const outcome = v.unverified ? "unverified" : "downloaded";
      this.finish({ ...this.base(r), outcome, bytes: r.size, sha256: v.sha256, ...unverifiedReason(v) });
    } catch (e) {
      this.failed(r, e);
    } finally {
      // Gone already when storage moved it into place (`consume`).
      if (!r.zipBytes) await removeStaged(r.zipPath);
    }
  }

  private failed(r: FetchedFile, e: unknown): void {
    if (this.stopIfFull(r.file, e, r.size)) return;
    const err =
      e instanceof LakehouseError
        ? e
        : new LakehouseError("STORAGE_FAILED", `${r.file.key}: ${(e as Error).message}`, { cause: e });
    this.finish({ ...this.base(r), outcome: "failed", bytes: 0, reason: err.message });
  }
}

/** The error that stops a run at the first full or read-only device (the run adds how much room the rest needs). */
function diskFullError(f: ArchiveFile, cause: unknown, code: string, size?: number): LakehouseError {
  const what = code === "EROFS" ? "read-only" : code === "EDQUOT" ? "over its quota" : "full";
  return new LakehouseError(
    "STORAGE_FAILED",
    `The device the lakehouse is on is ${what} (${code}): the run stopped at ${f.key}, which was not stored`,
    {
      cause,
      details: [
        ...(size !== undefined ? [`That file alone is ${size} bytes.`] : []),
        code === "EROFS"
          ? "Remount it writable or choose another output directory, then run again: it resumes."
          : "Free some space (or choose another output directory), then run again: it resumes.",
      ],
    },
  );
}
