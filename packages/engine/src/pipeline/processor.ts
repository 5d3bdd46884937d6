// Processes one batch: fetch with the chosen downloader, verify (SHA-256 against the .CHECKSUM, test-open the
// zip), store atomically, record. The same code path for every downloader, storage and executor.
import { createHash } from "node:crypto";
import { unlink } from "node:fs/promises";
import type {
  BatchProcessor,
  Downloader,
  FetchedFile,
  FetchResult,
  FileRecord,
  FileResult,
  Logger,
  StorageBackend,
} from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  addDays,
  bronzeKey,
  CHECKSUM_SUFFIX,
  diskFullCode,
  fileRecordKey,
  LakehouseError,
  monthOf,
  quarantineKey,
  todayUtc,
  type ZipTestMode,
} from "@crypto-lakehouse/core";
import { hashFile, parseChecksum } from "./checksum.js";
import { quarantineDisproved, unverifiedReason, verifyWithoutChecksum } from "./unverified.js";
import { testZip } from "./zipcheck.js";

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

/** Deletes a staged file; plain unlink, since rm's extra lstat per file showed in small-file profiles. */
async function removeStaged(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
}

/** Results of one batch verified and stored at the same time. */
const RESULTS_IN_FLIGHT = 8;

/** A 404 for a date too recent to be published is `pending`, not `missing` (docs/archive.md §5). */
export function isPending(f: ArchiveFile, today: string): boolean {
  if (f.partition === "daily") return f.period >= addDays(today, -2);
  return f.period >= monthOf(addDays(today, -20));
}

type Verdict =
  | { ok: true; sha256: string; checksum?: string; zipTest?: ZipTestMode; unverified?: "no_checksum" }
  | {
      ok: false;
      outcome: "checksum_mismatch" | "failed";
      reason: string;
      quarantine: boolean;
      refetch?: boolean;
    };

/** A digest of the fetched zip, from its bytes in memory or its staging file. */
async function digest(r: FetchedFile, algorithm: "sha256" | "md5"): Promise<string> {
  if (r.zipBytes) return createHash(algorithm).update(r.zipBytes).digest("hex");
  return (await hashFile(r.zipPath, algorithm)).hex;
}

async function verifyFetched(r: FetchedFile, verify: boolean, zipTest: ZipTestMode): Promise<Verdict> {
  const sha256 = r.sha256 ?? (await digest(r, "sha256"));
  if (!verify) return { ok: true, sha256 };
  if (r.checksumMissing || r.checksumText === undefined)
    return verifyWithoutChecksum(r.zipBytes ?? r.zipPath, sha256);
  const expected = parseChecksum(r.checksumText);
  if (!expected) {
    return {
      ok: false,
      outcome: "failed",
      reason: `malformed .CHECKSUM: ${JSON.stringify(r.checksumText.slice(0, 80))}`,
      quarantine: false,
    };
  }
  if (expected !== sha256) {
    const etagIsMd5 = r.etag && /^[0-9a-f]{32}$/.test(r.etag);
    // MD5 only here, on a mismatch: hashing every body twice cost more than the rare mismatch saves.
    const md5 = etagIsMd5 ? (r.md5 ?? (await digest(r, "md5"))) : undefined;
    const bodyMatchesEtag = etagIsMd5 && md5 === r.etag;
    const why = bodyMatchesEtag
      ? "the body matches the archive's ETag (MD5), so the .CHECKSUM is stale"
      : "the download may be corrupt";
    return {
      ok: false,
      outcome: "checksum_mismatch",
      reason: `SHA-256 ${sha256} does not match .CHECKSUM ${expected}; ${why}`,
      quarantine: true,
      refetch: Boolean(etagIsMd5 && !bodyMatchesEtag),
    };
  }
  const zip = await testZip(r.zipBytes ?? r.zipPath, zipTest);
  if (!zip.ok) {
    return {
      ok: false,
      outcome: "failed",
      reason:
        zip.problem === "members" ? zip.reason! : `corrupt zip although its SHA-256 matches: ${zip.reason}`,
      quarantine: true,
    };
  }
  return { ok: true, sha256, checksum: expected, ...(zip.depth ? { zipTest: zip.depth } : {}) };
}

export function createBatchProcessor(deps: ProcessorDeps): BatchProcessor {
  const { runId, downloader, storage, stagingDir, verify, logger } = deps;
  const zipTest = deps.zipTest ?? "structure";
  const today = deps.today ?? (() => todayUtc());

  /**
   * Stores the zip, its .CHECKSUM and its record so that they are seen together or not at all: the record goes
   * last (its presence is what resume trusts), and when a step after the zip fails (a full disk), what was put
   * is removed again, the file's older record included — no zip stays under its final name without the others.
   */
  async function store(r: FetchedFile, v: Extract<Verdict, { ok: true }>): Promise<void> {
    const key = bronzeKey(r.file);
    // A .CHECKSUM beside a zip tells resume the zip was verified: one from an earlier copy must not vouch for
    // these unverified bytes. Removed first, so a crash in between leaves the old zip unvouched, never the new.
    if (r.checksumText === undefined) await storage.delete(key + CHECKSUM_SUFFIX);
    const stored = await storage.put(
      key,
      r.zipBytes ? { data: r.zipBytes } : { path: r.zipPath, consume: true },
      {
        metadata: { sha256: v.sha256 },
        contentType: "application/zip",
      },
    );
    try {
      await putSidecars(r, v, key, stored.etag);
    } catch (e) {
      for (const k of [fileRecordKey(key), key + CHECKSUM_SUFFIX, key]) {
        await storage.delete(k).catch((err: Error) => {
          logger.warn("could not roll back a partly stored file", { key: k, error: err.message });
        });
      }
      throw e;
    }
  }

  async function putSidecars(
    r: FetchedFile,
    v: Extract<Verdict, { ok: true }>,
    key: string,
    storedEtag: string | undefined,
  ): Promise<void> {
    if (r.checksumText !== undefined) {
      await storage.put(key + CHECKSUM_SUFFIX, { data: r.checksumText }, { contentType: "text/plain" });
    }
    const record: FileRecord = {
      key: r.file.key,
      bronzeKey: key,
      sha256: v.sha256,
      size: r.size,
      verified: verify && !v.unverified,
      ...(v.unverified ? { unverified: v.unverified } : {}),
      ...(v.checksum ? { checksum: v.checksum } : {}),
      ...(v.zipTest ? { zipTest: v.zipTest } : {}),
      ...(r.etag ? { etag: r.etag } : {}),
      ...(r.lastModified ? { lastModified: r.lastModified.toISOString() } : {}),
      ...(storedEtag ? { storedEtag } : {}),
      runId,
      storedAt: new Date().toISOString(),
    };
    // The record goes last: its presence is what resume trusts.
    await storage.put(
      fileRecordKey(key),
      { data: JSON.stringify(record) },
      { contentType: "application/json" },
    );
  }

  async function quarantine(r: FetchedFile, reason: string): Promise<void> {
    const q = quarantineKey(runId, bronzeKey(r.file));
    await storage.put(q, r.zipBytes ? { data: r.zipBytes } : { path: r.zipPath });
    await storage.put(`${q}.reason.json`, {
      data: JSON.stringify({
        key: r.file.key,
        reason,
        checksum: r.checksumText ?? null,
        etag: r.etag ?? null,
      }),
    });
  }

  return async (batch, ctx) => {
    const results: FileResult[] = [];
    const started = Date.now();
    /** The first full (or read-only) device: it stops the batch, and the run, instead of failing every file. */
    let full: LakehouseError | undefined;
    const stopIfFull = (f: ArchiveFile, e: unknown, size?: number): boolean => {
      const code = diskFullCode(e);
      if (!code) return false;
      full ??= diskFullError(f, e, code, size);
      return true;
    };
    const finish = (res: FileResult) => {
      // A file cut short by cancelling the run did not fail: it is left unfinished, and the next run collects it.
      if (res.outcome === "failed" && ctx.signal?.aborted) return;
      results.push(res);
      ctx.onFile?.(res);
    };
    const fetchOpts = {
      withChecksum: verify,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onBytes ? { onBytes: ctx.onBytes } : {}),
    };
    const handle = async (r: FetchResult, retried: boolean): Promise<void> => {
      const f = r.file;
      const base = { file: f, durationMs: Date.now() - started, attempts: r.attempts };
      if (r.status === "not_found") {
        const pending = isPending(f, today());
        finish({
          ...base,
          outcome: pending ? "pending" : "missing",
          bytes: 0,
          reason: pending ? "not published yet (404)" : "404 Not Found",
        });
        return;
      }
      if (r.status === "error") {
        if (stopIfFull(f, r.error)) return;
        finish({ ...base, outcome: "failed", bytes: 0, reason: r.error.message });
        return;
      }
      try {
        const v = await verifyFetched(r, verify, zipTest);
        if (v.ok) {
          await store(r, v);
          const outcome = v.unverified ? "unverified" : "downloaded";
          finish({ ...base, outcome, bytes: r.size, sha256: v.sha256, ...unverifiedReason(v) });
          return;
        }
        if (v.refetch && !retried) {
          logger.warn("checksum mismatch on a body that differs from the ETag; fetching once more", {
            key: f.key,
          });
          if (!r.zipBytes) await removeStaged(r.zipPath);
          for await (const again of downloader.fetch([f], stagingDir, fetchOpts)) await handle(again, true);
          return;
        }
        if (v.quarantine) await quarantine(r, v.reason);
        if (v.outcome === "checksum_mismatch") await quarantineDisproved(storage, runId, r, logger);
        logger.warn(v.reason, { key: f.key, outcome: v.outcome });
        finish({ ...base, outcome: v.outcome, bytes: r.size, reason: v.reason });
      } catch (e) {
        if (stopIfFull(f, e, r.size)) return;
        const err =
          e instanceof LakehouseError
            ? e
            : new LakehouseError("STORAGE_FAILED", `${f.key}: ${(e as Error).message}`, { cause: e });
        finish({ ...base, outcome: "failed", bytes: 0, reason: err.message });
      } finally {
        // Gone already when storage moved it into place (`consume`); never written when held in memory.
        if (!r.zipBytes) await removeStaged(r.zipPath);
      }
    };
    // Verify and store several results at once: each needs many file-system round trips (hash, zip test,
    // three atomic puts), and handling them one by one left the downloader waiting on the pipeline.
    const inFlight = new Set<Promise<void>>();
    let tail: PromiseSettledResult<void>[] = [];
    try {
      for await (const r of downloader.fetch(batch.files, stagingDir, fetchOpts)) {
        const p: Promise<void> = handle(r, false).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= RESULTS_IN_FLIGHT) await Promise.race(inFlight);
        if (full) break;
      }
    } finally {
      // Also when the fetch ends early (cancelled): files being stored finish and are counted before the batch
      // returns, so nothing is written after the run's summary (or into a staging folder already removed).
      tail = await Promise.allSettled([...inFlight]);
    }
    const crashed = tail.find((t): t is PromiseRejectedResult => t.status === "rejected");
    if (crashed) throw crashed.reason;
    if (full) throw full;
    // A downloader must answer for every file; anything it dropped is a failure, never a silent success.
    const seen = new Set(results.map((x) => x.file.key));
    for (const f of batch.files) {
      if (!seen.has(f.key)) {
        finish({
          file: f,
          outcome: "failed",
          bytes: 0,
          durationMs: Date.now() - started,
          reason: "no result from the downloader",
        });
      }
    }
    return results;
  };
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
