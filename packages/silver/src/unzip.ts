// Extracts the one CSV member of an archive zip (refusing zips with more) to a file: the central directory through
// yauzl (zip64-safe), then the member's bytes — a small zip's read, inflated and written whole in this thread, a large
// one's read in 1 MiB ranges and inflated by zlib on the thread pool — CRC-checked, with the first lines kept for
// detection and every byte shown to an optional scanner.
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";

export interface Extracted {
  member: string;
  /** Uncompressed bytes written. */
  bytes: number;
  /** The first lines of the CSV (up to 64 KiB), for header and time-unit detection. */
  head: string;
  /** Whether `head` holds the whole CSV. */
  complete: boolean;
  /** sha256 of the whole zip, hashed from the bytes read (a small zip always, a large one when asked). */
  zipSha256?: string;
}

const HEAD_BYTES = 64 * 1024;
/** Lines detection looks at, and one more (so the last one it sees is known to be whole). */
const HEAD_LINES = 5;

/**
 * The CSV's first lines as text: decoded up to the end of line HEAD_LINES (at most HEAD_BYTES), not the whole
 * 64 KiB — a small file's per-file garbage is mostly what it decodes.
 */
function headOf(data: Buffer, total: number): { head: string; complete: boolean } {
  let end = Math.min(data.length, HEAD_BYTES);
  for (let at = 0, i = 0; i < HEAD_LINES; i++) {
    const nl = data.indexOf(10, at);
    if (nl < 0 || nl >= end) break;
    at = nl + 1;
    if (i === HEAD_LINES - 1) end = at;
  }
  return { head: data.toString("utf8", 0, end), complete: end >= total };
}
const CHUNK = 1024 * 1024;
/** Zips up to this size are read and inflated whole, in memory: most daily files, whose per-file costs dominate. */
const WHOLE = 4 * 1024 * 1024;

/** Whether extraction reads a zip of this size whole (and so hashes it at no extra read). */
export const readsWhole = (zipSize: number) => zipSize <= WHOLE;

type Opener = (
  options: yauzl.Options,
  cb: (err: Error | null, zip: yauzl.ZipFile | undefined) => void,
) => void;

/**
 * The zip's one file member. An archive data file holds exactly one (docs/archive.md): a zip with more is refused,
 * since converting only the first would drop the others' rows silently.
 */
function onlyMember(open: Opener): Promise<yauzl.Entry> {
  return new Promise((resolve, reject) => {
    open({ lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(new Error(`not a readable zip: ${err?.message ?? "unknown error"}`));
      const members: yauzl.Entry[] = [];
      const done = (e?: Error) => {
        zip.close();
        if (e) return reject(e);
        if (members.length === 1) return resolve(members[0]!);
        if (members.length === 0) return reject(new Error("the zip has no file member"));
        const names = members.slice(0, 4).map((m) => m.fileName);
        reject(
          new Error(
            `not an archive data file: it holds ${members.length} members (${names.join(", ")}${members.length > 4 ? ", …" : ""}), an archive data file exactly one; none converted`,
          ),
        );
      };
      zip.on("entry", (e: yauzl.Entry) => {
        if (!e.fileName.endsWith("/")) members.push(e);
        zip.readEntry();
      });
      zip.on("end", () => done());
      zip.on("error", (e: Error) => done(e));
      zip.readEntry();
    });
  });
}

/** Offset of the member's compressed bytes: after its local header, whose name and extra field lengths vary. */
async function dataOffset(path: string, entry: yauzl.Entry): Promise<number> {
  const fh = await open(path, "r");
  try {
    const header = Buffer.alloc(30);
    const { bytesRead } = await fh.read(header, 0, 30, entry.relativeOffsetOfLocalHeader);
    if (bytesRead !== 30 || header.readUInt32LE(0) !== 0x04034b50)
      throw new Error("bad local file header (corrupt zip)");
    return entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await fh.close();
  }
}

function checkMethod(entry: yauzl.Entry): void {
  if (entry.compressionMethod !== 8 && entry.compressionMethod !== 0) {
    throw new Error(`${entry.fileName}: unsupported compression method ${entry.compressionMethod}`);
  }
}

function checkInflated(entry: yauzl.Entry, bytes: number, crc: number): void {
  if (bytes !== entry.uncompressedSize)
    throw new Error(
      `${entry.fileName}: ${bytes} bytes inflated, ${entry.uncompressedSize} expected (corrupt zip)`,
    );
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.fileName}: CRC-32 mismatch (corrupt zip)`);
}

/** A small zip: one read, one inflate, one write, all in this thread. */
async function extractWhole(
  zipPath: string,
  outPath: string,
  onChunk?: (chunk: Buffer) => void,
): Promise<Extracted> {
  // Synchronous on purpose: a small zip's read, inflate and write take ~1 ms together, less than the round trips
  // through the thread pool, whose 4 threads the parts' fsyncs and DuckDB's statements are queued on meanwhile.
  const zip = readFileSync(zipPath);
  const entry = await onlyMember((o, cb) => yauzl.fromBuffer(zip, o, cb));
  checkMethod(entry);
  const at = entry.relativeOffsetOfLocalHeader;
  if (zip.length < at + 30 || zip.readUInt32LE(at) !== 0x04034b50)
    throw new Error("bad local file header (corrupt zip)");
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const packed = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  try {
    // One output buffer of the member's size instead of 16 KiB pieces joined: far less garbage per file.
    const chunkSize = Math.min(Math.max(entry.uncompressedSize, 64 * 1024), 64 * 1024 * 1024);
    data = entry.compressionMethod === 8 ? inflateRawSync(packed, { chunkSize }) : packed;
  } catch (e) {
    throw new Error(`${entry.fileName}: ${(e as Error).message} (corrupt zip)`);
  }
  checkInflated(entry, data.length, crc32(data));
  onChunk?.(data);
  writeFileSync(outPath, data);
  return {
    member: entry.fileName,
    bytes: data.length,
    ...headOf(data, data.length),
    zipSha256: createHash("sha256").update(zip).digest("hex"),
  };
}

/**
 * Hashes every byte of the zip and passes on only the member's compressed bytes (`start` … `end`, exclusive):
 * a large zip is then read once for both its sha256 and its data.
 */
function memberOf(start: number, end: number, hash: Hash): Transform {
  let at = 0;
  return new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, chunk.length);
      at += chunk.length;
      cb(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}

/**
 * `zipSize`: the zip's size when the caller knows it (a listing), saving a stat. `hash`: also hash a large zip, in
 * the same read (a small one is always hashed: its bytes are in memory anyway).
 */
export async function extractCsv(
  zipPath: string,
  outPath: string,
  onChunk?: (chunk: Buffer) => void,
  zipSize?: number,
  hash = false,
): Promise<Extracted> {
  if (readsWhole(zipSize ?? (await stat(zipPath)).size)) return extractWhole(zipPath, outPath, onChunk);
  const entry = await onlyMember((o, cb) => yauzl.open(zipPath, o, cb));
  checkMethod(entry);
  const start = await dataOffset(zipPath, entry);
  let crc = 0;
  let bytes = 0;
  const head: Buffer[] = [];
  let headLen = 0;
  const tap = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      crc = crc32(chunk, crc);
      bytes += chunk.length;
      if (headLen < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headLen);
        head.push(part);
        headLen += part.length;
      }
      onChunk?.(chunk);
      cb(null, chunk);
    },
  });
  const sha = hash ? createHash("sha256") : undefined;
  const end = start + entry.compressedSize;
  const raw: NodeJS.ReadableStream[] = sha
    ? [createReadStream(zipPath, { highWaterMark: CHUNK }), memberOf(start, end, sha)]
    : [createReadStream(zipPath, { start, end: end - 1, highWaterMark: CHUNK })];
  const inflate = entry.compressionMethod === 8 ? [createInflateRaw({ chunkSize: CHUNK })] : [];
  try {
    await pipeline([...raw, ...inflate, tap, createWriteStream(outPath, { highWaterMark: CHUNK })]);
  } catch (e) {
    throw new Error(`${entry.fileName}: ${(e as Error).message} (corrupt zip)`);
  }
  checkInflated(entry, bytes, crc);
  return {
    member: entry.fileName,
    bytes,
    ...headOf(Buffer.concat(head), bytes),
    ...(sha ? { zipSha256: sha.digest("hex") } : {}),
  };
}
