// Stores a verified file in bronze — its zip, then its `.CHECKSUM`, then its record — and quarantines a bad one.
//
// The three puts go one after another with `durability: "group"`: a store that syncs (local disks) makes many
// files durable with one sync, and still guarantees that a put started after another returned never survives a
// crash without it. So the record, whose presence is what resume trusts, is durable only after the zip and the
// `.CHECKSUM` it vouches for; and a `.CHECKSUM` never sits beside an older zip it does not describe.
import type { FetchedFile, FileRecord, Logger, StorageBackend } from "@crypto-lakehouse/core";
import { bronzeKey, CHECKSUM_SUFFIX, fileRecordKey, quarantineKey } from "@crypto-lakehouse/core";
import type { Verified } from "./verdict.js";

export interface StoreDeps {
  runId: string;
  storage: StorageBackend;
  /** download_checksum: the record says `verified` only then. */
  verify: boolean;
  logger: Logger;
}

const GROUP = { durability: "group" } as const;

function fileRecord(
  deps: StoreDeps,
  r: FetchedFile,
  v: Verified,
  key: string,
  storedEtag: string | undefined,
): FileRecord {
  return {
    key: r.file.key,
    bronzeKey: key,
    sha256: v.sha256,
    size: r.size,
    verified: deps.verify && !v.unverified,
    ...(v.unverified ? { unverified: v.unverified } : {}),
    ...(v.checksum ? { checksum: v.checksum } : {}),
    ...(v.zipTest ? { zipTest: v.zipTest } : {}),
    ...(r.etag ? { etag: r.etag } : {}),
    ...(r.lastModified ? { lastModified: r.lastModified.toISOString() } : {}),
    ...(storedEtag ? { storedEtag } : {}),
    runId: deps.runId,
    storedAt: new Date().toISOString(),
  };
}

/**
 * Stores the zip, its .CHECKSUM and its record so that they are seen together or not at all: the record goes
 * last, and when a step after the zip fails (a full disk), what was put is removed again, the file's older record
 * included — no zip stays under its final name without the others.
 */
export async function storeFile(deps: StoreDeps, r: FetchedFile, v: Verified): Promise<void> {
  const { storage } = deps;
  const key = bronzeKey(r.file);
  // A .CHECKSUM beside a zip tells resume the zip was verified: one from an earlier copy must not vouch for
  // these unverified bytes. Removed first, so a crash in between leaves the old zip unvouched, never the new.
  if (r.checksumText === undefined) await storage.delete(key + CHECKSUM_SUFFIX);
  const stored = await storage.put(
    key,
    r.zipBytes ? { data: r.zipBytes } : { path: r.zipPath, consume: true },
    { metadata: { sha256: v.sha256 }, contentType: "application/zip", ...GROUP },
  );
  try {
    if (r.checksumText !== undefined) {
      await storage.put(
        key + CHECKSUM_SUFFIX,
        { data: r.checksumText },
        { contentType: "text/plain", ...GROUP },
      );
    }
    const record = fileRecord(deps, r, v, key, stored.etag);
    await storage.put(
      fileRecordKey(key),
      { data: JSON.stringify(record) },
      { contentType: "application/json", ...GROUP },
    );
  } catch (e) {
    for (const k of [fileRecordKey(key), key + CHECKSUM_SUFFIX, key]) {
      await storage.delete(k).catch((err: Error) => {
        deps.logger.warn("could not roll back a partly stored file", { key: k, error: err.message });
      });
    }
    throw e;
  }
}

/** Keeps a file that failed verification under `_quarantine/<run>/…`, with why. */
export async function quarantineFile(deps: StoreDeps, r: FetchedFile, reason: string): Promise<void> {
  const q = quarantineKey(deps.runId, bronzeKey(r.file));
  await deps.storage.put(q, r.zipBytes ? { data: r.zipBytes } : { path: r.zipPath });
  await deps.storage.put(`${q}.reason.json`, {
    data: JSON.stringify({
      key: r.file.key,
      reason,
      checksum: r.checksumText ?? null,
      etag: r.etag ?? null,
    }),
  });
}
