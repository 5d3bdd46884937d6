// Streams a body into a staging file while hashing it (SHA-256) in the same pass.
import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { TransferError, truncatedBody } from "./transfer-error.js";
import type { ObjectResponse } from "./transport.js";

/**
 * Body chunks (16–64 KiB) are gathered into one `writev` per MiB: a write call per chunk cost ~15 % of the main
 * thread on 50 MB files, and 64 KiB writes measured ~3x slower than 1 MiB ones here.
 */
export const WRITE_BATCH_BYTES = 1024 * 1024;
/** Body bytes queued for the disk before reading waits for it (below the getter's body buffer). */
const MAX_UNWRITTEN_BYTES = 4 * 1024 * 1024;
/** A CHECKSUM is ~90 bytes; anything far larger is not a CHECKSUM. */
const MAX_CHECKSUM_BYTES = 64 * 1024;

export interface StagedBody {
  size: number;
  sha256: string;
  /** The body, when it was kept in memory (nothing was written to the path). */
  bytes?: Buffer;
}

/** Random once per process; a counter per call (randomBytes per file showed in small-file profiles). */
const STAGING_PREFIX = randomBytes(4).toString("hex");
let stagedCount = 0;

/** A unique name per file and call, so concurrent runs sharing a staging dir never collide. */
export function stagingPath(stagingDir: string, key: string): string {
  return join(stagingDir, `${STAGING_PREFIX}${(stagedCount++).toString(36)}-${basename(key)}.part`);
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/**
 * Destroys `body` when no data arrives for `idleMs`. The SDK's requestTimeout stops at the response
 * headers, so a server that stalls mid-body would otherwise hang the transfer for ever.
 */
function idleWatchdog(body: Readable, idleMs: number) {
  const fire = () =>
    body.destroy(
      new TransferError(`timed out: no body data for ${idleMs / 1000} s`, {
        code: "BODY_TIMEOUT",
        retryable: true,
      }),
    );
  // refresh() re-arms the same timer: no new timer per body chunk.
  const timer = setTimeout(fire, idleMs);
  return { arm: () => timer.refresh(), stop: () => clearTimeout(timer) };
}

/** Writes all of `chunks` without joining them (a copy per MiB cost more than the write); resumes short writes. */
async function writeAll(fh: FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest);
    const next: Buffer[] = [];
    for (const c of rest) {
      if (bytesWritten >= c.length) bytesWritten -= c.length;
      else {
        next.push(bytesWritten > 0 ? c.subarray(bytesWritten) : c);
        bytesWritten = 0;
      }
    }
    rest = next;
  }
}

/**
 * Reads a body announced as at most `maxBytes` into memory, hashing it on the way. Small files are most of the
 * archive: a staging file costs each of them a write, a read back and a move (profiles of small-file runs).
 */
async function readBody(
  res: ObjectResponse,
  signal: AbortSignal,
  idleMs: number,
  maxBytes: number,
  onBytes?: (n: number) => void,
): Promise<StagedBody> {
  const chunks: Buffer[] = [];
  const sha256 = createHash("sha256");
  let size = 0;
  const body: Readable = res.body;
  const onAbort = () => body.destroy(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const watchdog = idleWatchdog(body, idleMs);
  try {
    if (signal.aborted) throw signal.reason;
    body.on("data", (chunk: Buffer) => {
      watchdog.arm();
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy(
          new TransferError(`body longer than the ${res.contentLength} bytes announced`, { retryable: true }),
        );
        return;
      }
      sha256.update(chunk);
      onBytes?.(chunk.length);
      chunks.push(chunk);
    });
    await finished(body);
  } finally {
    watchdog.stop();
    signal.removeEventListener("abort", onAbort);
    body.destroy();
  }
  if (res.contentLength !== undefined && size !== res.contentLength)
    throw truncatedBody(size, res.contentLength);
  return {
    size,
    sha256: sha256.digest("hex"),
    bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
  };
}

/**
 * Writes (or overwrites, on a retry) `path` — or, for a body announced as at most `inMemoryBytes`, keeps it in
 * memory and writes nothing. Throws a retryable error when fewer bytes arrive than announced.
 */
export async function stageBody(
  res: ObjectResponse,
  path: string,
  signal: AbortSignal,
  idleMs: number,
  onBytes?: (n: number) => void,
  inMemoryBytes = 0,
): Promise<StagedBody> {
  if (res.contentLength !== undefined && res.contentLength <= inMemoryBytes)
    return readBody(res, signal, idleMs, inMemoryBytes, onBytes);
  const sha256 = createHash("sha256");
  let size = 0;
  const body: Readable = res.body;
  const watchdog = idleWatchdog(body, idleMs);
  const onAbort = () => body.destroy(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const fh = await open(path, "w");
  // Writes run one after another, off the read path: the body flows without waiting for the disk (a paused body
  // is what trips undici's assert, see http-getter.ts) unless MAX_UNWRITTEN_BYTES are queued. Flowing 'data'
  // events rather than an async iterator: a promise per 64 KiB chunk showed in profiles of 50 MB files.
  let writing: Promise<void> = Promise.resolve();
  let unwritten = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const queueWrite = () => {
    if (pendingBytes === 0) return;
    const chunks = pending;
    const bytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    unwritten += bytes;
    writing = writing.then(async () => {
      await writeAll(fh, chunks);
      unwritten -= bytes;
    });
    writing.catch((e: Error) => body.destroy(e));
    if (unwritten > MAX_UNWRITTEN_BYTES && !body.isPaused()) {
      body.pause();
      writing.then(
        () => body.resume(),
        () => undefined,
      );
    }
  };
  try {
    if (signal.aborted) throw signal.reason;
    body.on("data", (chunk: Buffer) => {
      watchdog.arm();
      sha256.update(chunk);
      size += chunk.length;
      onBytes?.(chunk.length);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH_BYTES) queueWrite();
    });
    // finished() also settles for a body that errored or closed before the listener was attached (a promise of
    // our own over 'end'/'error' events would then never settle, and the process would exit mid-run).
    await finished(body);
    queueWrite();
    await writing;
  } finally {
    watchdog.stop();
    signal.removeEventListener("abort", onAbort);
    body.destroy();
    await writing.catch(() => undefined);
    await fh.close();
  }
  if (res.contentLength !== undefined && size !== res.contentLength)
    throw truncatedBody(size, res.contentLength);
  return { size, sha256: sha256.digest("hex") };
}

/** Reads a small body (a CHECKSUM) into a string, with the same truncation check. */
export async function readSmallBody(
  res: ObjectResponse,
  signal: AbortSignal,
  idleMs: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const body: Readable = res.body;
  const onAbort = () => body.destroy(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const watchdog = idleWatchdog(body, idleMs);
  try {
    for await (const chunk of body) {
      watchdog.arm();
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > MAX_CHECKSUM_BYTES)
        throw new TransferError(`CHECKSUM body is larger than ${MAX_CHECKSUM_BYTES} bytes`, {
          retryable: false,
        });
    }
  } finally {
    watchdog.stop();
    signal.removeEventListener("abort", onAbort);
    body.destroy();
  }
  if (res.contentLength !== undefined && size !== res.contentLength)
    throw truncatedBody(size, res.contentLength);
  return Buffer.concat(chunks).toString("utf8");
}
