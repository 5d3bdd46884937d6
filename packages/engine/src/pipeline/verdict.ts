// Judges a fetched file: SHA-256 against its `.CHECKSUM`, then a test-open of the zip (or a full CRC test when
// the archive publishes no `.CHECKSUM`). Says whether to store it, quarantine it or fetch it once more.
import { createHash } from "node:crypto";
import type { FetchedFile, ZipTestMode } from "@crypto-lakehouse/core";
import { hashFile, parseChecksum } from "./checksum.js";
import { verifyWithoutChecksum } from "./unverified.js";
import { testZip } from "./zipcheck.js";

export type Verdict =
  | { ok: true; sha256: string; checksum?: string; zipTest?: ZipTestMode; unverified?: "no_checksum" }
  | {
      ok: false;
      outcome: "checksum_mismatch" | "failed";
      reason: string;
      quarantine: boolean;
      refetch?: boolean;
    };

export type Verified = Extract<Verdict, { ok: true }>;

/** A digest of the fetched zip, from its bytes in memory or its staging file. */
async function digest(r: FetchedFile, algorithm: "sha256" | "md5"): Promise<string> {
  if (r.zipBytes) return createHash(algorithm).update(r.zipBytes).digest("hex");
  return (await hashFile(r.zipPath, algorithm)).hex;
}

/** The verdict on a SHA-256 that does not match the `.CHECKSUM`: a stale `.CHECKSUM`, or a download to redo. */
async function mismatch(r: FetchedFile, sha256: string, expected: string): Promise<Verdict> {
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

export async function verifyFetched(r: FetchedFile, verify: boolean, zipTest: ZipTestMode): Promise<Verdict> {
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
  if (expected !== sha256) return mismatch(r, sha256, expected);
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
