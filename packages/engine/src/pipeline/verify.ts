// Re-checks stored bronze zips against their records and stored .CHECKSUM by hashing what the store returns, and
// test-opens them with every CRC-32 checked, on any storage backend: ok, corrupt, missing, unverified.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Catalog, Leftover, StorageBackend } from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  bronzeKey,
  CHECKSUM_SUFFIX,
  type FileRecord,
  fileRecordKey,
  forEachConcurrent,
  isLakehouseError,
  LakehouseError,
  META,
} from "@crypto-lakehouse/core";
import { parseChecksum } from "./checksum.js";
import { listRunSummaries } from "./runs.js";
import { testZip } from "./zipcheck.js";

export const VERIFY_STATUSES = ["ok", "corrupt", "missing", "unverified", "unavailable"] as const;
/**
 * `unavailable`: absent from the store because the archive answered 404 when it was last collected (a hole, or
 * not published yet) — nothing to repair, so not a problem.
 */
export type VerifyStatus = (typeof VERIFY_STATUSES)[number];
/** The statuses that make `verify` fail and that `--repair` re-fetches. */
export const VERIFY_PROBLEMS: readonly VerifyStatus[] = ["corrupt", "missing", "unverified"];

export interface VerifyItem {
  bronzeKey: string;
  status: VerifyStatus;
  /** The archive file, when known (needed to re-fetch it). */
  file?: ArchiveFile;
  /** SHA-256 and size of the bytes the store returned. */
  sha256?: string;
  size?: number;
  /** SHA-256 in the file's record, and in its stored .CHECKSUM. */
  recorded?: string;
  checksum?: string;
  /**
   * How the zip's members are known sound: `tested` (inflated now, every CRC-32 checked), `recorded` (its record
   * says collect checked every CRC-32 of these very bytes — the SHA-256 matches it), `failed`; absent when not
   * checked (`zipTest: false`, or the bytes are already known bad).
   */
  zipTest?: "tested" | "recorded" | "failed";
  /**
   * Stored `unverified` because the archive publishes no `.CHECKSUM` for it (CRC-tested): shown, but not a
   * problem to repair — a collect run promotes it once the archive publishes one.
   */
  noChecksum?: true;
  reason?: string;
}

/** An item `verify` fails on and `--repair` re-fetches. */
export function isVerifyProblem(i: VerifyItem): boolean {
  return VERIFY_PROBLEMS.includes(i.status) && !i.noChecksum;
}

export interface VerifyReport {
  location: string;
  checked: number;
  counts: Record<VerifyStatus, number>;
  /** Bytes hashed. */
  bytes: number;
  /** Zips test-opened with every CRC-32 checked by this run (the rest were proven by collect, or not checked). */
  zipTested: number;
  durationMs: number;
  /** Every item that is not `ok`, sorted by key. */
  items: VerifyItem[];
  /**
   * Temp files of unfinished writes in bronze/ and the file records (local stores): `gone` ones were left by a
   * killed writer (a problem `--repair` removes), the others belong to writes in progress.
   */
  leftovers: Leftover[];
}

/** Where verify looks for leftovers of interrupted writes. */
const LEFTOVER_PREFIXES = ["bronze/", `${META}/files/`];

export interface VerifyFileOptions {
  /**
   * Test-open each zip whose SHA-256 checks out, inflating every member and checking its CRC-32 (default true):
   * collect's default `zip_test: structure` leaves the CRC of members over 1 MiB to this pass. Skipped for a zip
   * whose record says collect already checked every CRC-32 of the same bytes. Costs ~3x the zip's size in CPU.
   */
  zipTest?: boolean;
  /**
   * Where a zip is spooled for its test when the store has no local path (S3): it is written there while it is
   * hashed, so the store is read once (default: the OS temp folder). Needs room for `concurrency` zips.
   */
  tempDir?: string;
}

export interface VerifyOptions extends VerifyFileOptions {
  /** The selection (planned files); without it, every zip under bronze/ and every file record. */
  files?: AsyncIterable<ArchiveFile> | Iterable<ArchiveFile>;
  /** Names the archive file of a bronze key, so items found by listing can be repaired. */
  catalog?: Catalog;
  /** Files hashed at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onItem?: (item: VerifyItem) => void;
}

export function emptyVerifyCounts(): Record<VerifyStatus, number> {
  return { ok: 0, corrupt: 0, missing: 0, unverified: 0, unavailable: 0 };
}

/** `bronze/<market>/<dataType>/<partition>/<SYMBOL>/[<interval>/]<file>.zip` → its archive file, via the catalog. */
export function archiveFileOfBronzeKey(catalog: Catalog, key: string): ArchiveFile | undefined {
  const parts = key.split("/");
  if (parts[0] !== "bronze" || parts.length < 6) return undefined;
  const [, marketId, dataType, partition, ...rest] = parts;
  const market = catalog.markets.get(marketId!);
  if (!market) return undefined;
  const f = market.parseKey(`data/${market.matrix.archivePath}/${partition}/${dataType}/${rest.join("/")}`);
  return f && bronzeKey(f) === key ? f : undefined;
}

/** Hashes the object as the store returns it, writing it to `spoolTo` on the way when given (one read). */
async function hashObject(
  storage: StorageBackend,
  key: string,
  spoolTo?: string,
): Promise<{ sha256: string; size: number } | undefined> {
  let stream: Readable;
  try {
    stream = await storage.get(key);
  } catch (e) {
    if (isLakehouseError(e, "NOT_FOUND")) return undefined;
    throw e;
  }
  const hash = createHash("sha256");
  let size = 0;
  async function* hashed(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      hash.update(buf);
      size += buf.length;
      yield buf;
    }
  }
  if (spoolTo) {
    // pipeline() waits on the file's back-pressure, so memory stays bounded whatever the zip's size.
    const out = createWriteStream(spoolTo);
    try {
      await pipeline(stream, hashed, out);
    } catch (e) {
      if (!out.errored) throw e;
      throw new LakehouseError(
        "STORAGE_FAILED",
        `Cannot write ${key} to ${spoolTo} for its zip test: ${(e as Error).message}`,
        {
          cause: e,
          details: ["Free space there, set another temp folder (TMPDIR), or skip the test (--no-zip-test)."],
        },
      );
    }
  } else {
    for await (const _ of hashed(stream));
  }
  return { sha256: hash.digest("hex"), size };
}

async function readRecord(
  storage: StorageBackend,
  key: string,
): Promise<FileRecord | "unreadable" | undefined> {
  const data = await storage.read(fileRecordKey(key));
  if (!data) return undefined;
  try {
    const r = JSON.parse(data.toString("utf8")) as FileRecord;
    return typeof r?.sha256 === "string" ? r : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** The latest recorded failure per archive key (a 404, a checksum mismatch …), from the run summaries. */
async function lastFailures(storage: StorageBackend): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const runs = await listRunSummaries(storage, { onError: () => undefined });
  // Oldest first, so a later run's outcome wins.
  for (const run of runs.reverse()) {
    for (const f of run.failures ?? []) out.set(f.key, `${f.outcome} in run ${run.runId}: ${f.reason}`);
  }
  return out;
}

/** The item for a key the store does not hold. `last` is the file's latest recorded failure, if any. */
function absentItem(base: VerifyItem, rec: FileRecord | undefined, last: string | undefined): VerifyItem {
  if (rec)
    return {
      ...base,
      status: "missing",
      reason: `recorded by run ${rec.runId} but the object is gone from the store`,
    };
  if (last && /^(missing|pending) /.test(last)) {
    return { ...base, status: "unavailable", reason: `not in the archive when last collected (${last})` };
  }
  return {
    ...base,
    status: "missing",
    reason: last ? `not in the store; last attempt: ${last}` : "not in the store",
  };
}

/** Test-opens the zip with every CRC-32 checked; the corrupt item when it fails, with where the damage came from. */
async function zipFailure(path: string, item: VerifyItem, rec: FileRecord | undefined) {
  const test = await testZip(path, "crc");
  if (test.ok) return undefined;
  const archive =
    test.problem === "members" ? "the archive serves it so" : "the archive's own file is damaged";
  const source =
    item.checksum === item.sha256
      ? ` (its SHA-256 matches the archive's .CHECKSUM, so ${archive})`
      : rec
        ? ` (its SHA-256 matches its record from run ${rec.runId}: it was stored damaged)`
        : "";
  return {
    ...item,
    status: "corrupt",
    zipTest: "failed",
    reason: `${test.problem === "members" ? "" : "zip test failed: "}${test.reason}${source}`,
  } satisfies VerifyItem;
}

/** The corrupt item when the stored bytes disagree with their record or their stored .CHECKSUM. */
function hashMismatch(item: VerifyItem, rec: FileRecord | undefined, sidecar: Buffer | undefined) {
  const { sha256, checksum } = item;
  if (rec && rec.sha256 !== sha256) {
    return {
      ...item,
      status: "corrupt",
      reason: `stored bytes hash to ${sha256}, the record (run ${rec.runId}) says ${rec.sha256}`,
    } satisfies VerifyItem;
  }
  if (sidecar && !checksum) {
    // Resume takes a .CHECKSUM beside a zip as proof it was verified: one that says nothing proves nothing.
    return {
      ...item,
      status: "corrupt",
      reason: `its stored .CHECKSUM does not parse as \`<sha256>  <name>\`: ${JSON.stringify(sidecar.toString("utf8").slice(0, 80))}`,
    } satisfies VerifyItem;
  }
  if (checksum && checksum !== sha256) {
    return {
      ...item,
      status: "corrupt",
      reason: `stored bytes hash to ${sha256}, the stored .CHECKSUM says ${checksum}`,
    } satisfies VerifyItem;
  }
  return undefined;
}

/** A sound zip's item: `ok`, or `unverified` when nothing proves its bytes are the archive's. */
function recordStatus(
  item: VerifyItem,
  record: FileRecord | "unreadable" | undefined,
  rec: FileRecord | undefined,
): VerifyItem {
  const { checksum } = item;
  if (!rec) {
    const why =
      record === "unreadable"
        ? "its record under _meta/files/ is unreadable"
        : "no record under _meta/files/";
    const sums = checksum ? "it matches the stored .CHECKSUM" : "and no .CHECKSUM to compare with";
    return { ...item, status: "unverified", reason: `${why}; ${sums}` };
  }
  if (rec.unverified === "no_checksum" && !checksum) {
    return {
      ...item,
      status: "unverified",
      noChecksum: true,
      reason: `the archive published no .CHECKSUM for it; stored by run ${rec.runId} after a full CRC test (promoted once one appears)`,
    };
  }
  if (rec.verified === false) {
    // Its bytes were never compared with the archive's .CHECKSUM when stored; collect re-fetches it to do that.
    const sums = checksum ? "it matches the stored .CHECKSUM" : "no .CHECKSUM stored to compare with";
    return {
      ...item,
      status: "unverified",
      reason: `stored without verification (download_checksum: false) by run ${rec.runId}; ${sums}`,
    };
  }
  return item;
}

/** Checks one stored zip. `file` names its archive file when known. */
export async function verifyStoredFile(
  storage: StorageBackend,
  key: string,
  file?: ArchiveFile,
  failures?: ReadonlyMap<string, string>,
  options: VerifyFileOptions = {},
): Promise<VerifyItem> {
  const record = await readRecord(storage, key);
  const rec = typeof record === "object" ? record : undefined;
  const base: VerifyItem = {
    bronzeKey: key,
    status: "ok",
    ...(file ? { file } : {}),
    ...(rec ? { recorded: rec.sha256 } : {}),
  };
  const zipTest = options.zipTest ?? true;
  // Collect checked every CRC-32 of the bytes its record hashes; a matching SHA-256 carries that proof over.
  const proven = zipTest && rec?.zipTest === "crc";
  // The test needs a file: the store's own when it has one, else a spool written while hashing (one read).
  const inPlace = zipTest && !proven ? storage.localPath?.(key) : undefined;
  const spool =
    zipTest && !proven && !inPlace
      ? join(
          options.tempDir ?? tmpdir(),
          `lakehouse-verify-${randomBytes(6).toString("hex")}-${basename(key)}`,
        )
      : undefined;
  try {
    const hashed = await hashObject(storage, key, spool);
    if (!hashed) return absentItem(base, rec, file ? failures?.get(file.key) : undefined);
    const sidecar = await storage.read(key + CHECKSUM_SUFFIX);
    const checksum = sidecar ? parseChecksum(sidecar.toString("utf8")) : undefined;
    const item: VerifyItem = {
      ...base,
      sha256: hashed.sha256,
      size: hashed.size,
      ...(checksum ? { checksum } : {}),
    };
    const mismatch = hashMismatch(item, rec, sidecar);
    if (mismatch) return mismatch;
    const zipPath = inPlace ?? spool;
    if (zipPath) {
      const bad = await zipFailure(zipPath, item, rec);
      if (bad) return bad;
      item.zipTest = "tested";
    } else if (proven) {
      item.zipTest = "recorded";
    }
    return recordStatus(item, record, rec);
  } finally {
    if (spool) await rm(spool, { force: true });
  }
}

async function* storedZips(storage: StorageBackend): AsyncGenerator<string> {
  for await (const o of storage.list("bronze/")) if (o.key.endsWith(".zip")) yield o.key;
}

async function* orphanRecords(storage: StorageBackend): AsyncGenerator<string> {
  const folder = `${META}/files/bronze/`;
  for await (const o of storage.list(folder)) {
    if (!o.key.endsWith(".zip.json")) continue;
    const key = o.key.slice(`${META}/files/`.length, -".json".length);
    if (!(await storage.head(key))) yield key;
  }
}

/** Verifies the selection (or the whole bronze layer) and reports what is not ok. */
export async function verifyStore(storage: StorageBackend, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const counts = emptyVerifyCounts();
  const items: VerifyItem[] = [];
  let bytes = 0;
  let zipTested = 0;
  const failures = opts.files ? await lastFailures(storage) : undefined;
  const fileOptions: VerifyFileOptions = {
    ...(opts.zipTest !== undefined ? { zipTest: opts.zipTest } : {}),
    ...(opts.tempDir ? { tempDir: opts.tempDir } : {}),
  };
  const add = (item: VerifyItem) => {
    counts[item.status]++;
    bytes += item.size ?? 0;
    if (item.zipTest === "tested" || item.zipTest === "failed") zipTested++;
    if (item.status !== "ok") items.push(item);
    opts.onItem?.(item);
  };
  const concurrency = opts.concurrency ?? 4;
  const fileOf = (key: string) => (opts.catalog ? archiveFileOfBronzeKey(opts.catalog, key) : undefined);
  if (opts.files) {
    await forEachConcurrent(
      opts.files,
      concurrency,
      async (f) => add(await verifyStoredFile(storage, bronzeKey(f), f, failures, fileOptions)),
      opts.signal,
    );
  } else {
    await forEachConcurrent(
      storedZips(storage),
      concurrency,
      async (key) => add(await verifyStoredFile(storage, key, fileOf(key), undefined, fileOptions)),
      opts.signal,
    );
    // Records whose zip is gone: the listing above cannot see those.
    await forEachConcurrent(
      orphanRecords(storage),
      concurrency,
      async (key) => add(await verifyStoredFile(storage, key, fileOf(key), undefined, fileOptions)),
      opts.signal,
    );
  }
  items.sort((a, b) => (a.bronzeKey < b.bronzeKey ? -1 : a.bronzeKey > b.bronzeKey ? 1 : 0));
  const leftovers: Leftover[] = [];
  if (storage.leftovers && !opts.signal?.aborted) {
    for (const prefix of LEFTOVER_PREFIXES)
      for await (const l of storage.leftovers(prefix)) leftovers.push(l);
  }
  return {
    location: storage.location,
    checked: VERIFY_STATUSES.reduce((n, s) => n + counts[s], 0),
    counts,
    bytes,
    zipTested,
    durationMs: Date.now() - started,
    items,
    leftovers,
  };
}

/** Removes the leftovers of gone writers that `report` lists; returns those removed. */
export async function removeGoneLeftovers(
  storage: StorageBackend,
  report: VerifyReport,
): Promise<Leftover[]> {
  const gone = report.leftovers.filter((l) => l.gone);
  if (!storage.removeLeftover) return [];
  for (const l of gone) await storage.removeLeftover(l.key);
  return gone;
}
