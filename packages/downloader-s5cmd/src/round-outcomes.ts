// What each s5cmd result line means for its file within one round: a part staged, a 404, a failure to retry in
// the next round or to report. Files whose parts are all in wait in `held` for the round's listing (their ETag).
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type AdaptiveLimit,
  type ArchiveFile,
  CHECKSUM_SUFFIX,
  type FetchedFile,
  type FetchResult,
  LakehouseError,
  type Logger,
} from "@crypto-lakehouse/core";
import type { RemoteInfo } from "./etags.js";
import { endpointName, type Invocation } from "./invocation.js";
import { classifyError, tidyError } from "./messages.js";
import type { RunProgress } from "./progress.js";

/** A CHECKSUM is ~90 bytes; anything far larger is not a CHECKSUM. */
const MAX_CHECKSUM_BYTES = 64 * 1024;

export interface RoundContext extends Invocation {
  logger: Logger;
  pollMs: number;
  /** The downloader's transfers in flight (adaptive, or capped by max_parallel_downloads), shared by every round. */
  budget: AdaptiveLimit;
}

/** Where one archive file stands across retry rounds. */
export interface FileState {
  file: ArchiveFile;
  /** Unique within one fetch call: names the staged files. */
  index: number;
  attempts: number;
  /**
   * The zip, staged under its final staging name (outside any round's work dir), or held in memory (`bytes`;
   * `path` is then a unique staging name never written).
   */
  zip?: { path: string; size: number; bytes?: Buffer };
  checksum?: { text: string } | { missing: true };
  /** Size, ETag and time from the listing. */
  remote?: RemoteInfo;
  /** Failure of the last round that may be retried. */
  retry?: { key: string; error: string };
  /** A result was produced; nothing more happens to this file. */
  final: boolean;
  /** The caller received the result (the staged zip is theirs now). */
  delivered: boolean;
}

export type Part = "zip" | "checksum";

/** One cp command of a round: which file and part it fetches, and where s5cmd puts it. */
export interface Target {
  state: FileState;
  part: Part;
  dest: string;
}

export function keyOf(state: FileState, part: Part): string {
  return part === "zip" ? state.file.key : state.file.key + CHECKSUM_SUFFIX;
}

/** Random once per process; a counter per zip (randomBytes per file showed in small-file profiles). */
const STAGING_PREFIX = randomBytes(4).toString("hex");
let stagedCount = 0;

/** Staging name of a delivered zip: unique per call, so runs sharing a staging dir never collide. */
function stagedZipPath(stagingDir: string, key: string): string {
  return join(stagingDir, `${STAGING_PREFIX}${(stagedCount++).toString(36)}-${basename(key)}`);
}

/**
 * Zips up to this size are read into memory and handed over as `zipBytes` (the pipeline then hashes, tests and
 * stores them from there): a staged small zip cost a rename, two reads back and two more renames into bronze.
 */
export const IN_MEMORY_BYTES = 128 * 1024;

export function failedResult(
  ctx: RoundContext,
  state: FileState,
  key: string,
  error: string,
  gaveUp: boolean,
): FetchResult {
  const c = classifyError(error);
  const details = gaveUp
    ? [
        `gave up after ${state.attempts} attempts; the file can be fetched again by re-running (resume skips what is done)`,
        `check that ${endpointName(ctx)} is reachable, or raise retries / timeout_seconds`,
      ]
    : c.noSuchBucket
      ? [
          `bucket "${ctx.settings.bucket}" does not exist at ${endpointName(ctx)}: check the downloader endpoint and bucket`,
        ]
      : c.forbidden
        ? [
            ctx.credentials
              ? `access denied by ${endpointName(ctx)}: check the credentials in the endpoint URL (user = access key id, password = secret key)`
              : `access denied by ${endpointName(ctx)}: the bucket must allow anonymous reads`,
          ]
        : [];
  return {
    status: "error",
    file: state.file,
    attempts: state.attempts,
    error: new LakehouseError("DOWNLOAD_FAILED", `${key}: ${tidyError(error)}`, {
      retryable: gaveUp,
      details,
    }),
  };
}

/** The fetched file's result, with the listing's ETag when the listing describes these bytes. */
export function fetchedResult(state: FileState): FetchedFile {
  const zip = state.zip!;
  const r: FetchedFile = {
    status: "fetched",
    file: state.file,
    zipPath: zip.path,
    size: zip.size,
    attempts: state.attempts,
  };
  if (zip.bytes) r.zipBytes = zip.bytes;
  if (state.checksum && "text" in state.checksum) r.checksumText = state.checksum.text;
  else if (state.checksum) r.checksumMissing = true;
  // A listing of another size describes another version of the object: its ETag would mislead.
  if (state.remote && state.remote.size === zip.size) {
    if (state.remote.etag) r.etag = state.remote.etag;
    if (state.remote.lastModified) r.lastModified = state.remote.lastModified;
  }
  return r;
}

/** A small zip is read here (its work file goes with the round's work dir); a large one is moved out to `path`. */
async function stageZip(dest: string, size: number, path: string): Promise<NonNullable<FileState["zip"]>> {
  if (size <= IN_MEMORY_BYTES) return { path, size, bytes: await readFile(dest) };
  await rename(dest, path);
  return { path, size };
}

export interface OutcomeOptions {
  withChecksum: boolean;
  stagingDir: string;
  /** Attempts after the first for retryable failures. */
  retries: number;
}

/**
 * The round's outcome rules. `pending` holds the files without a final result yet; a file whose parts are all in
 * moves to `held`. Each handler returns a result to hand out, or undefined when there is none yet.
 */
export function createOutcomes(
  ctx: RoundContext,
  opts: OutcomeOptions,
  progress: RunProgress,
  pending: Set<FileState>,
  held: FileState[],
) {
  const settle = (state: FileState) => {
    state.final = true;
    pending.delete(state);
  };
  /** A failure: final when it cannot be retried or the budget is spent, else remembered for the next round. */
  const fail = async (
    state: FileState,
    key: string,
    error: string,
    retryable = classifyError(error).retryable,
  ): Promise<FetchResult | undefined> => {
    if (retryable && state.attempts <= opts.retries) {
      state.retry ??= { key, error };
      return undefined;
    }
    settle(state);
    if (state.zip && !state.zip.bytes) await rm(state.zip.path, { force: true });
    state.zip = undefined;
    return failedResult(ctx, state, key, error, retryable);
  };
  /** Once every part a file needs has arrived, it waits in `held` for the listing. */
  const complete = (state: FileState): undefined => {
    if (!state.zip || state.retry) return undefined;
    if (opts.withChecksum && !state.checksum) return undefined;
    settle(state);
    held.push(state);
    return undefined;
  };

  const done = async (target: Target, reported: number | undefined): Promise<FetchResult | undefined> => {
    const { state, part, dest } = target;
    const size = await stat(dest).then(
      (s) => s.size,
      () => undefined,
    );
    progress.completed(dest, size ?? 0);
    if (state.final) return undefined;
    const key = keyOf(state, part);
    if (size === undefined) return fail(state, key, `s5cmd reported success but ${dest} is missing`);
    // s5cmd renames its temp file only after a complete body; a size disagreement means something else went wrong.
    if (reported !== undefined && reported !== size) {
      return fail(state, key, `s5cmd reported ${reported} bytes but staged ${size}`, true);
    }
    if (part === "checksum") {
      if (size > MAX_CHECKSUM_BYTES)
        return fail(state, key, `CHECKSUM body is larger than ${MAX_CHECKSUM_BYTES} bytes`);
      state.checksum = { text: await readFile(dest, "utf8") };
      return complete(state);
    }
    state.zip = await stageZip(dest, size, stagedZipPath(opts.stagingDir, state.file.key));
    return complete(state);
  };

  const failed = async (target: Target, error: string): Promise<FetchResult | undefined> => {
    const { state, part } = target;
    if (state.final) return undefined;
    const c = classifyError(error);
    if (c.congested) ctx.budget.congested();
    if (c.notFound) {
      if (part === "checksum") {
        state.checksum = { missing: true };
        return complete(state);
      }
      settle(state);
      return { status: "not_found", file: state.file, attempts: state.attempts } satisfies FetchResult;
    }
    return fail(state, keyOf(state, part), error);
  };

  return { fail, done, failed };
}

export type Outcomes = ReturnType<typeof createOutcomes>;
