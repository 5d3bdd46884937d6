// Helpers for the storage contract suite: scratch files, a big generated file, stream hashing, error checks.
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { type ErrorCode, isLakehouseError } from "@crypto-lakehouse/core";

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A scratch folder for source files; `dispose` removes it. */
export async function scratchDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "lakehouse-storage-contract-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `bytes` random bytes to `path` in 1 MiB chunks (never the whole file in memory); returns its sha256. */
export async function writeLargeFile(path: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  const chunk = 1024 * 1024;
  for (let done = 0; done < bytes; done += chunk) {
    const buf = randomBytes(Math.min(chunk, bytes - done));
    hash.update(buf);
    if (!out.write(buf)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return hash.digest("hex");
}

/** Hashes a stream to its end; returns sha256 and size. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest("hex"), size };
}

export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream)
    parts.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Keys in S3 order: UTF-8 byte order. */
export function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Resolves to the LakehouseError `run` rejects with; fails (throws) when it resolves or rejects otherwise. */
export async function rejection(run: () => Promise<unknown>, codes: readonly ErrorCode[]): Promise<Error> {
  let result: unknown;
  try {
    result = await run();
  } catch (e) {
    if (isLakehouseError(e) && codes.includes(e.code)) return e;
    const got = isLakehouseError(e) ? `LakehouseError ${e.code}: ${e.message}` : String(e);
    throw new Error(`expected a LakehouseError with code ${codes.join(" or ")}, got ${got}`, { cause: e });
  }
  throw new Error(
    `expected a LakehouseError with code ${codes.join(" or ")}, but it resolved to ${String(result)}`,
  );
}
