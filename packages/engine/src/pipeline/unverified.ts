// Files the archive publishes without a `.CHECKSUM` (it happens on real days): stored `unverified` after a full
// CRC test of every member instead of failing forever; and, once a `.CHECKSUM` appears that the stored copy does
// not match, that copy is moved from bronze to the quarantine.
import type { FetchedFile, FileRecord, Logger, StorageBackend } from "@crypto-lakehouse/core";
import { bronzeKey, CHECKSUM_SUFFIX, fileRecordKey, quarantineKey } from "@crypto-lakehouse/core";
import { parseChecksum } from "./checksum.js";
import { copyObject } from "./copy.js";
import { testZip } from "./zipcheck.js";

export const NO_CHECKSUM_REASON =
  "the archive publishes no .CHECKSUM for it: stored unverified after a full CRC test";

export type NoChecksumVerdict =
  | { ok: true; sha256: string; zipTest: "crc"; unverified: "no_checksum" }
  | { ok: false; outcome: "failed"; reason: string; quarantine: true };

/** With nothing to compare the SHA-256 with, every member is inflated and its CRC-32 checked. */
export async function verifyWithoutChecksum(
  source: string | Buffer,
  sha256: string,
): Promise<NoChecksumVerdict> {
  const zip = await testZip(source, "crc");
  if (!zip.ok) {
    return {
      ok: false,
      outcome: "failed",
      reason: `the archive publishes no .CHECKSUM for it and the zip is corrupt: ${zip.reason}`,
      quarantine: true,
    };
  }
  return { ok: true, sha256, zipTest: "crc", unverified: "no_checksum" };
}

/** The result's reason for a file stored unverified. */
export function unverifiedReason(v: { unverified?: string }): { reason?: string } {
  return v.unverified ? { reason: NO_CHECKSUM_REASON } : {};
}

/** The file's record in the store, when it has a readable one. */
export async function readFileRecord(
  storage: StorageBackend,
  bronze: string,
): Promise<FileRecord | undefined> {
  const data = await storage.read(fileRecordKey(bronze));
  if (!data) return undefined;
  try {
    const r = JSON.parse(data.toString("utf8")) as FileRecord;
    return r && typeof r === "object" && typeof r.sha256 === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A fresh download did not match the `.CHECKSUM` the archive now publishes. When bronze holds the file stored
 * unverified (no `.CHECKSUM` then) and its bytes do not match that `.CHECKSUM` either, the stored copy is disproved:
 * it moves to `_meta/quarantine/<runId>/<bronzeKey>.stored` (with its record) and leaves bronze. Best effort.
 */
export async function quarantineDisproved(
  storage: StorageBackend,
  runId: string,
  r: FetchedFile,
  logger: Logger,
): Promise<void> {
  const expected = r.checksumText ? parseChecksum(r.checksumText) : undefined;
  if (!expected) return;
  const key = bronzeKey(r.file);
  try {
    const rec = await readFileRecord(storage, key);
    if (rec?.unverified !== "no_checksum" || rec.sha256 === expected) return;
    const q = `${quarantineKey(runId, key)}.stored`;
    await copyObject(storage, key, q);
    const reason = `stored unverified (no .CHECKSUM then); its SHA-256 ${rec.sha256} does not match the .CHECKSUM the archive now publishes (${expected})`;
    await storage.put(`${q}.reason.json`, { data: JSON.stringify({ key: r.file.key, reason, record: rec }) });
    // The record goes first: without it resume and verify no longer count the zip as stored.
    await storage.delete(fileRecordKey(key));
    await storage.delete(key);
    await storage.delete(key + CHECKSUM_SUFFIX);
    logger.warn("a file stored unverified does not match the .CHECKSUM published since; quarantined", {
      key: r.file.key,
      quarantine: q,
    });
  } catch (e) {
    logger.warn("could not quarantine the unverified stored copy", {
      key: r.file.key,
      error: (e as Error).message,
    });
  }
}
