// Deterministic single-member zips (yazl, deflate, fixed mtimes) and their sha256sum-style CHECKSUM text.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { LakehouseError, type Partition } from "@crypto-lakehouse/core";
import { ZipFile } from "yazl";
import { periodRange } from "./calendar.js";

/**
 * The zip entry time: 02:00 on the day after the period ends. The DOS timestamp yazl writes is built from local
 * date parts, so the Date is made from local parts too, and the extended (UTC) timestamp field is left out:
 * the bytes are then the same in every time zone.
 */
export function zipMtime(partition: Partition, period: string): Date {
  const d = new Date(periodRange(partition, period).end);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 2, 0, 0);
}

export interface ZipEntryOptions {
  mtime: Date;
  /** zlib level (default 6, as yazl's default). */
  level?: number;
}

function entryOptions(o: ZipEntryOptions) {
  return { mtime: o.mtime, forceDosTimestamp: true, compressionLevel: o.level ?? 6, mode: 0o100644 };
}

let zipWriterChecked = false;

/**
 * yazl requires `buffer-crc32`; a process started with `--conditions import` (vitest passes its
 * `ssr.resolve.conditions` to node) makes that require() load the ESM build, and yazl then throws inside a
 * callback and the zip never finishes. Fail fast with the cause instead of hanging.
 */
function assertZipWriterUsable(): void {
  if (zipWriterChecked) return;
  const req = createRequire(import.meta.url);
  const crc = createRequire(req.resolve("yazl"))("buffer-crc32") as { unsigned?: unknown };
  if (typeof crc.unsigned !== "function") {
    throw new LakehouseError(
      "INTERNAL",
      "yazl cannot compute CRCs: its dependency buffer-crc32 resolved to its ESM build because node runs with " +
        `--conditions ${process.execArgv.filter((_a, i, all) => all[i - 1] === "--conditions").join(",")}`,
      {
        details: [
          "Remove 'import' from the vitest ssr.resolve.conditions (vitest hands them to node as --conditions).",
        ],
      },
    );
  }
  zipWriterChecked = true;
}

/** A zip holding one deflated member, in memory. */
export async function zipBuffer(member: string, data: Buffer, o: ZipEntryOptions): Promise<Buffer> {
  assertZipWriterUsable();
  const zip = new ZipFile();
  zip.addBuffer(data, member, entryOptions(o));
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Streams one member into a zip file on disk, hashing the zip as it is written. */
export async function zipStreamToFile(
  member: string,
  input: Readable,
  path: string,
  o: ZipEntryOptions,
): Promise<{ size: number; sha256: string }> {
  assertZipWriterUsable();
  const zip = new ZipFile();
  zip.addReadStream(input, member, entryOptions(o));
  zip.end();
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(zip.outputStream as Readable, tap, createWriteStream(path, { highWaterMark: 1 << 20 }));
  return { size, sha256: hash.digest("hex") };
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `<sha256>  <zip basename>`, with a final `\n` only where the market writes one (not spot). */
export function checksumText(sha256: string, zipBasename: string, trailingNewline: boolean): string {
  return `${sha256}  ${zipBasename}${trailingNewline ? "\n" : ""}`;
}
