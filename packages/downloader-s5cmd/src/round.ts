// One s5cmd `run` over a set of files: hands it cp commands as the transfer budget allows (round-permits), turns
// its JSON lines into per-file outcomes (round-pump, round-outcomes) and hands them out as they are final.
import { mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { FetchResult } from "@crypto-lakehouse/core";
import { listingPrefixes, listRemote } from "./etags.js";
import { bucketUrl, shellQuote } from "./invocation.js";
import { createProgress } from "./progress.js";
import {
  createOutcomes,
  type FileState,
  fetchedResult,
  keyOf,
  type Part,
  type RoundContext,
  type Target,
} from "./round-outcomes.js";
import { createRoundPermits } from "./round-permits.js";
import { pump } from "./round-pump.js";

export interface RoundOptions {
  withChecksum: boolean;
  stagingDir: string;
  numworkers: number;
  /** Attempts after the first for retryable failures. */
  retries: number;
  signal: AbortSignal;
  onBytes?: (n: number) => void;
}

/** The cp commands for every part the files still need, each with its own destination in `workDir`. */
function planCommands(
  ctx: RoundContext,
  states: readonly FileState[],
  withChecksum: boolean,
  workDir: string,
) {
  const byUrl = new Map<string, Target>();
  const commands: { url: string; line: string }[] = [];
  const partFlags = ["--raw", "--part-size", String(ctx.settings.partSizeMb)];
  for (const state of states) {
    state.attempts++;
    state.retry = undefined;
    const parts: Part[] = [];
    if (!state.zip) parts.push("zip");
    if (withChecksum && !state.checksum) parts.push("checksum");
    for (const part of parts) {
      const key = keyOf(state, part);
      // `z<i>-`/`c<i>-`: s5cmd's temp files are `<dest name><random>`, so no dest name may prefix another's.
      const dest = join(workDir, `${part === "zip" ? "z" : "c"}${state.index}-${basename(key)}`);
      const url = `${bucketUrl(ctx)}${key}`;
      byUrl.set(url, { state, part, dest });
      commands.push({ url, line: ["cp", ...partFlags, url, dest].map(shellQuote).join(" ") });
    }
  }
  return { byUrl, commands };
}

/**
 * ETags and times: s5cmd's cp output has none, so the zips' folders are listed beside the downloads. Resolves once
 * the listing is in (or failed: the files then go out without ETag, and listRemote logs why).
 */
function listEtags(ctx: RoundContext, states: readonly FileState[], signal: AbortSignal): Promise<void> {
  const unlisted = states.filter((st) => !st.zip && !st.remote);
  if (unlisted.length === 0) return Promise.resolve();
  return listRemote(ctx, listingPrefixes(unlisted.map((st) => st.file.key)), signal).then(
    (found) => {
      for (const st of unlisted) {
        const info = found.get(st.file.key);
        if (info) st.remote = info;
      }
    },
    () => undefined,
  );
}

/** One waiter at a time: `wait()` resolves at the next `notify()`. */
function createWaker() {
  let wake: (() => void) | undefined;
  return {
    notify: () => {
      const w = wake;
      wake = undefined;
      w?.();
    },
    wait: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
  };
}

/** A controller the round can abort itself, aborted with `signal` too until `detach()`. */
function followAbort(signal: AbortSignal) {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return { stop, detach: () => signal.removeEventListener("abort", onAbort) };
}

/**
 * Runs s5cmd once for every part the given files still need and yields each file's result as soon as it is
 * final. Files left with a retryable failure keep `retry` set and `final` false, for the next round.
 * Throws the abort reason on abort, CONFIG_INVALID when s5cmd rejects its arguments, TOOL_MISSING when it
 * cannot start.
 */
export async function* runRound(
  ctx: RoundContext,
  states: readonly FileState[],
  opts: RoundOptions,
): AsyncGenerator<FetchResult> {
  const workDir = await mkdtemp(join(opts.stagingDir, ".s5cmd-"));
  const { byUrl, commands } = planCommands(ctx, states, opts.withChecksum, workDir);
  const destNames = new Set([...byUrl.values()].map((t) => basename(t.dest)));
  const progress = createProgress(workDir, destNames, opts.onBytes);
  const pending = new Set(states);
  /** Fetched files waiting for the listing (their ETag), in completion order. */
  const held: FileState[] = [];
  /** Results ready to hand out (failures, 404s). */
  const ready: FetchResult[] = [];
  const { notify, wait } = createWaker();
  const { stop, detach } = followAbort(opts.signal);
  let listed = false;
  const listing = listEtags(ctx, states, stop.signal).finally(() => {
    listed = true;
    notify();
  });
  let pumped = false;
  let failure: { error: unknown } | undefined;
  const permits = createRoundPermits(ctx.budget, stop.signal);
  const pumping = pump({
    ctx,
    numworkers: opts.numworkers,
    commands,
    byUrl,
    permits,
    outcomes: createOutcomes(ctx, opts, progress, pending, held),
    progress,
    pending,
    push: (r) => {
      if (r) ready.push(r);
      notify();
    },
    signal: stop.signal,
  })
    .catch((error: unknown) => {
      failure = { error };
    })
    .finally(() => {
      pumped = true;
      notify();
    });

  try {
    for (;;) {
      if (ready.length > 0) {
        yield ready.shift()!;
        continue;
      }
      // Fetched files go out once the listing (their ETag) is in.
      if (listed && held.length > 0) {
        yield fetchedResult(held.shift()!);
        continue;
      }
      if (pumped && failure) throw failure.error;
      if (pumped && held.length === 0) return;
      await wait();
    }
  } finally {
    // Our caller may have stopped early: end s5cmd (and the listing) and wait for the pump to notice.
    stop.abort();
    detach();
    await pumping;
    // Only now that s5cmd is gone may its permits go to other transfers.
    permits.end();
    await listing;
    await rm(workDir, { recursive: true, force: true });
  }
}
