// Test-opens a zip: the central directory, each member's local header and bounds, and its deflate stream with the
// CRC-32 and size — of every byte ("crc"), or only the start of members over 1 MiB ("structure").
// A matching SHA-256 does not prove a clean zip (docs/archive.md §4); see ZipTestMode for why there are two depths.
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { constants, crc32, createInflateRaw, inflateRaw as inflateRawCb, inflateRawSync } from "node:zlib";
import type { ZipTestMode } from "@crypto-lakehouse/core";
import type * as Yauzl from "yauzl";

// require(), not import: imported from an ES module, Node 20 also runs its CommonJS lexer over yauzl's files
// (~15 ms more at the start of every run).
const yauzl = createRequire(import.meta.url)("yauzl") as typeof Yauzl;

// `crc`: inflate every member in full and check its CRC-32 and size (like `unzip -t`).
// `structure`: central directory, local headers, member bounds, and the first PREFIX_BYTES of each deflate stream;
// a member of up to FULL_CHECK_BYTES compressed (most archive files) still gets its full CRC-32 check. The
// full CRC of larger members costs ~3x their size in inflate CPU — more than the download itself on a fast link —
// and the silver build and `lakehouse verify` check it anyway as they inflate them.

export interface ZipCheck {
  ok: boolean;
  entries: string[];
  /**
   * Why it failed: `corrupt` (unreadable, bad CRC …) or `members` (a sound zip that is not an archive data file:
   * those hold exactly one member, docs/archive.md — a second one would be dropped by readers of the first).
   */
  problem?: "corrupt" | "members";
  /** What was proven: `crc` when every member's CRC-32 was checked, else `structure`. */
  depth?: ZipTestMode;
  reason?: string;
}

/** Members up to this many compressed bytes get their full CRC-32 check in `structure` mode too. */
export const FULL_CHECK_BYTES = 1024 * 1024;
/** Compressed bytes inflated from the start of a larger member in `structure` mode. */
export const PREFIX_BYTES = 64 * 1024;

/** On the thread pool: whole small members inflated on the main thread showed in small-file profiles. */
const inflateRaw = promisify(inflateRawCb);

/** Output chunks of at most this size when inflating a whole member (above, zlib hands over several). */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Inflate options for a whole member of `size` bytes (as its header says): the output in one chunk, so zlib calls
 * back once instead of once per 16 KiB (that JS per chunk was ~10 % of collect's CPU on small files); and no more
 * output than the header says plus one byte — a longer member fails the size check anyway, and a bomb stops there.
 */
function wholeOutput(size: number) {
  return {
    chunkSize: Math.min(MAX_CHUNK_BYTES, Math.max(64 * 1024, size + 1)),
    maxOutputLength: size + 1,
  };
}

/** Files up to this size are read whole (one read instead of yauzl's several small ones). */
const READ_WHOLE_BYTES = 2 * 1024 * 1024;

async function openZip(zip: string | Buffer): Promise<Yauzl.ZipFile> {
  const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true };
  const path = typeof zip === "string" ? zip : "";
  const bytes =
    typeof zip !== "string"
      ? zip
      : (await stat(path)).size <= READ_WHOLE_BYTES
        ? await readFile(path)
        : undefined;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: Yauzl.ZipFile) =>
      err || !zip
        ? reject(new Error(`not a readable zip: ${err?.message ?? "unknown error"}`))
        : resolve(zip);
    if (bytes) yauzl.fromBuffer(bytes, options, done);
    else yauzl.open(path, options, done);
  });
}

/** The next entry, or undefined at the end of the central directory. */
function nextEntry(zip: Yauzl.ZipFile): Promise<Yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (e: Yauzl.Entry) => {
      cleanup();
      resolve(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new Error(`zip error: ${e.message}`));
    };
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

/** The member's raw (compressed) bytes in [0, end); yauzl checks the local header and the file's bounds. */
function rawStream(zip: Yauzl.ZipFile, entry: Yauzl.Entry, end: number): Promise<Readable> {
  return new Promise((resolve, reject) =>
    // yauzl refuses `decompress` on a STORED member (its bytes are already the data).
    zip.openReadStream(entry, { decompress: entry.isCompressed() ? false : null, start: 0, end }, (e, raw) =>
      e || !raw ? reject(new Error(`cannot read ${entry.fileName}: ${e?.message}`)) : resolve(raw),
    ),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function checkWhole(entry: Yauzl.Entry, data: Buffer): void {
  if (data.length !== entry.uncompressedSize)
    throw new Error(`${entry.fileName}: size ${data.length} ≠ ${entry.uncompressedSize}`);
  if (crc32(data) >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.fileName}: CRC-32 mismatch`);
}

/** Streams the whole member through zlib with 1 MiB chunks (yauzl's 16 KiB chunks were ~3x slower here). */
async function checkStreamed(zip: Yauzl.ZipFile, entry: Yauzl.Entry, stored: boolean): Promise<void> {
  const raw = await rawStream(zip, entry, entry.compressedSize);
  const stream = stored ? raw : raw.pipe(createInflateRaw({ chunkSize: 1 << 20 }));
  raw.on("error", (e) => stream.destroy(e));
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of stream) {
      crc = crc32(chunk as Buffer, crc);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    throw new Error(`${entry.fileName}: ${(e as Error).message}`);
  }
  if (size !== entry.uncompressedSize)
    throw new Error(`${entry.fileName}: size ${size} ≠ ${entry.uncompressedSize}`);
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.fileName}: CRC-32 mismatch`);
}

/** Returns true when the member's CRC was checked in full, false when only its prefix was inflated. */
async function checkMember(zip: Yauzl.ZipFile, entry: Yauzl.Entry, mode: ZipTestMode): Promise<boolean> {
  const stored = entry.compressionMethod === 0;
  if (!stored && entry.compressionMethod !== 8)
    throw new Error(`${entry.fileName}: unsupported compression method ${entry.compressionMethod}`);
  if (mode === "crc" || entry.compressedSize <= FULL_CHECK_BYTES) {
    if (entry.compressedSize > FULL_CHECK_BYTES) {
      await checkStreamed(zip, entry, stored);
      return true;
    }
    const raw = await readAll(await rawStream(zip, entry, entry.compressedSize));
    let data: Buffer;
    try {
      data = stored ? raw : await inflateRaw(raw, wholeOutput(entry.uncompressedSize));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        throw new Error(
          `${entry.fileName}: inflates to more than the ${entry.uncompressedSize} bytes it declares`,
        );
      throw new Error(`${entry.fileName}: ${(e as Error).message}`);
    }
    checkWhole(entry, data);
    return true;
  }
  // A large member: its bounds were checked by yauzl; its deflate stream must start well-formed.
  const prefix = await readAll(await rawStream(zip, entry, PREFIX_BYTES));
  if (!stored) {
    try {
      inflateRawSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new Error(`${entry.fileName}: ${(e as Error).message}`);
    }
  }
  return false;
}

/** Test-opens the zip at `source` (a path, or its bytes already in memory). */
export async function testZip(source: string | Buffer, mode: ZipTestMode = "crc"): Promise<ZipCheck> {
  const entries: string[] = [];
  let zip: Yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch (e) {
    return { ok: false, entries, problem: "corrupt", reason: (e as Error).message };
  }
  let full = true;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      entries.push(entry.fileName);
      if (entry.fileName.endsWith("/")) continue;
      if (!(await checkMember(zip, entry, mode))) full = false;
    }
  } catch (e) {
    return { ok: false, entries, problem: "corrupt", reason: (e as Error).message };
  } finally {
    zip.close();
  }
  const members = entries.filter((n) => !n.endsWith("/"));
  if (members.length === 0) return { ok: false, entries, problem: "corrupt", reason: "zip has no members" };
  if (members.length > 1) {
    const names = members.length > 4 ? [...members.slice(0, 4), "…"] : members;
    return {
      ok: false,
      entries,
      problem: "members",
      reason: `not an archive data file: it holds ${members.length} members (${names.join(", ")}), an archive data file exactly one`,
    };
  }
  return { ok: true, entries, depth: full ? "crc" : "structure" };
}
