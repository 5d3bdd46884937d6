// Test-opens a zip: reads the central directory, inflates every member and checks its CRC-32 and size.
// A matching SHA-256 does not prove a clean zip (ARCHIVE.md §4).
import { crc32, createInflateRaw } from "node:zlib";
import yauzl from "yauzl";

export interface ZipCheck {
  ok: boolean;
  entries: string[];
  reason?: string;
}

export function testZip(path: string): Promise<ZipCheck> {
  return new Promise((resolve) => {
    const entries: string[] = [];
    const fail = (reason: string) => resolve({ ok: false, entries, reason });
    yauzl.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return fail(`not a readable zip: ${err?.message ?? "unknown error"}`);
      zip.on("error", (e: Error) => fail(`zip error: ${e.message}`));
      zip.on("end", () => {
        if (entries.length === 0) fail("zip has no members");
        else resolve({ ok: true, entries });
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        entries.push(entry.fileName);
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        const stored = entry.compressionMethod === 0;
        if (!stored && entry.compressionMethod !== 8)
          return fail(`${entry.fileName}: unsupported compression method ${entry.compressionMethod}`);
        // yauzl inflates in 16 KiB chunks (one thread-pool round trip each); inflating ourselves with 1 MiB
        // chunks is ~3x faster on the archive's 50 MB zips.
        zip.openReadStream(entry, { decompress: false }, (e, raw) => {
          if (e || !raw) return fail(`cannot read ${entry.fileName}: ${e?.message}`);
          const stream = stored ? raw : raw.pipe(createInflateRaw({ chunkSize: 1 << 20 }));
          let crc = 0;
          let size = 0;
          stream.on("data", (chunk: Buffer) => {
            crc = crc32(chunk, crc);
            size += chunk.length;
          });
          const onError = (se: Error) => fail(`${entry.fileName}: ${se.message}`);
          raw.on("error", onError);
          stream.on("error", onError);
          stream.on("end", () => {
            if (size !== entry.uncompressedSize)
              return fail(`${entry.fileName}: size ${size} ≠ ${entry.uncompressedSize}`);
            if (crc >>> 0 !== entry.crc32 >>> 0) return fail(`${entry.fileName}: CRC-32 mismatch`);
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
