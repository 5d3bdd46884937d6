// Fetches a batch: s5cmd rounds (one process per batch, or per file), retry rounds with backoff, clean-up on stop.

import { setMaxListeners } from "node:events";
import { rm } from "node:fs/promises";
import {
  type ArchiveFile,
  type Backoff,
  ensureStagingDir,
  type FetchOptions,
  type FetchResult,
  LakehouseError,
  waitBeforeRetry,
} from "@crypto-lakehouse/core";
import { runRound } from "./round.js";
import type { FileState, RoundContext } from "./round-outcomes.js";

export interface FetchContext extends RoundContext {
  backoff: Backoff;
}

function cancelled(signal: AbortSignal | undefined): LakehouseError {
  return new LakehouseError("CANCELLED", "fetch was cancelled", { cause: signal?.reason });
}

/** Rounds for `states` until each has a result; yields results as they come. */
async function* retryRounds(
  ctx: FetchContext,
  states: FileState[],
  opts: FetchOptions,
  stagingDir: string,
  numworkers: number,
  signal: AbortSignal,
): AsyncGenerator<FetchResult> {
  let open = states;
  for (let round = 1; open.length > 0; round++) {
    if (round > 1) {
      ctx.logger.debug("retrying downloads", {
        files: open.length,
        round,
        reason: open[0]?.retry?.error,
      });
      await waitBeforeRetry(round - 1, ctx.backoff, signal);
    }
    yield* runRound(ctx, open, {
      withChecksum: opts.withChecksum,
      stagingDir,
      numworkers,
      retries: ctx.settings.retries,
      signal,
      ...(opts.onBytes ? { onBytes: opts.onBytes } : {}),
    });
    open = open.filter((s) => !s.final);
  }
}

/**
 * Runs the generators `limit` at a time and yields their values as they arrive. Leaving early (or `parent`
 * aborting) aborts the running ones through the signal they were given, and starts no more.
 */
async function* mergeLimited<T>(
  jobs: readonly ((signal: AbortSignal) => AsyncGenerator<T>)[],
  limit: number,
  parent: AbortSignal,
): AsyncGenerator<T> {
  const stop = new AbortController();
  setMaxListeners(Math.max(10, limit * 2 + 4), stop.signal);
  const onParentAbort = () => stop.abort(parent.reason);
  if (parent.aborted) stop.abort(parent.reason);
  else parent.addEventListener("abort", onParentAbort, { once: true });
  const signal = stop.signal;
  const ready: T[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  let running = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const worker = async () => {
    running++;
    try {
      while (!signal.aborted && !failure && next < jobs.length) {
        for await (const v of jobs[next++]!(signal)) {
          ready.push(v);
          notify();
        }
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      running--;
      notify();
    }
  };
  const workers = Array.from({ length: Math.min(limit, jobs.length) }, worker);
  try {
    for (;;) {
      if (ready.length > 0) {
        yield ready.shift() as T;
        continue;
      }
      if (failure) throw failure.error;
      if (running === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stop.abort();
    await Promise.allSettled(workers);
    parent.removeEventListener("abort", onParentAbort);
  }
}

/** One result per file; see the README for the outcome rules. */
export async function* fetchFiles(
  ctx: FetchContext,
  files: readonly ArchiveFile[],
  stagingDir: string,
  opts: FetchOptions,
): AsyncGenerator<FetchResult> {
  if (opts.signal?.aborted) throw cancelled(opts.signal);
  if (files.length === 0) return;
  await ensureStagingDir(stagingDir);
  // The caller's abort, passed on to every s5cmd we run. (Leaving the loop early closes `results`, which
  // stops its processes too.)
  const stop = new AbortController();
  setMaxListeners(Math.max(10, ctx.settings.concurrency * 2 + 4), stop.signal);
  const onAbort = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const states: FileState[] = files.map((file, index) => ({
    file,
    index,
    attempts: 0,
    final: false,
    delivered: false,
  }));
  const s = ctx.settings;
  const results = s.batchMode
    ? retryRounds(ctx, states, opts, stagingDir, s.concurrency, stop.signal)
    : mergeLimited(
        states.map(
          (state) => (signal: AbortSignal) => retryRounds(ctx, [state], opts, stagingDir, 2, signal),
        ),
        // One process per file: as many as the budget allows now (each also lists its folder for the ETag).
        ctx.budget.limit,
        stop.signal,
      );
  const byFile = new Map(states.map((st) => [st.file, st]));
  let delivered = 0;
  try {
    for await (const r of results) {
      const st = byFile.get(r.file);
      if (st) st.delivered = true;
      delivered++;
      yield r;
    }
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled(opts.signal);
    throw e;
  } finally {
    stop.abort();
    await results.return(undefined as never).catch(() => undefined);
    opts.signal?.removeEventListener("abort", onAbort);
    // Staged zips nobody received (early stop, abort) would be orphans: delete them.
    for (const st of states)
      if (st.zip && !st.zip.bytes && !st.delivered) await rm(st.zip.path, { force: true });
  }
  if (delivered < files.length && opts.signal?.aborted) throw cancelled(opts.signal);
}
