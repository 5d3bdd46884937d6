// One s5cmd `run` over a set of files: hands it cp commands as the transfer budget allows, turns its JSON lines
// into per-file outcomes.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type ArchiveFile,
  CHECKSUM_SUFFIX,
  type FetchedFile,
  type FetchResult,
  LakehouseError,
  type Logger,
} from "@crypto-lakehouse/core";
import type { Release, TransferBudget } from "./budget.js";
import { listingPrefixes, listRemote, type RemoteInfo } from "./etags.js";
import { bucketUrl, endpointName, globalArgs, type Invocation, s5cmdEnv, shellQuote } from "./invocation.js";
import { type CommandFailed, classifyError, parseLine, tidyError } from "./messages.js";
import { usageProblem } from "./problems.js";
import { runS5cmd } from "./process.js";
import { createProgress } from "./progress.js";

/** A CHECKSUM is ~90 bytes; anything far larger is not a CHECKSUM. */
const MAX_CHECKSUM_BYTES = 64 * 1024;

export interface RoundContext extends Invocation {
  logger: Logger;
  pollMs: number;
  /** The downloader's max_parallel_downloads, shared by every round of every fetch call. */
  budget: TransferBudget;
}

/** Where one archive file stands across retry rounds. */
export interface FileState {
  file: ArchiveFile;
  /** Unique within one fetch call: names the staged files. */
  index: number;
  attempts: number;
  /** The zip, staged under its final staging name (outside any round's work dir). */
  zip?: { path: string; size: number };
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

export interface RoundOptions {
  withChecksum: boolean;
  stagingDir: string;
  numworkers: number;
  /** Attempts after the first for retryable failures. */
  retries: number;
  signal: AbortSignal;
  onBytes?: (n: number) => void;
}

type Part = "zip" | "checksum";

/** The `s3://` URLs of a failed command, without the quotes our shell quoting may have left on them. */
function commandUrls(line: CommandFailed): string[] {
  return line.sources.map((u) => u.replace(/['"]+$/, ""));
}

function keyOf(state: FileState, part: Part): string {
  return part === "zip" ? state.file.key : state.file.key + CHECKSUM_SUFFIX;
}

/** Staging name of a delivered zip: unique per call, so runs sharing a staging dir never collide. */
function stagedZipPath(stagingDir: string, key: string): string {
  return join(stagingDir, `${randomBytes(6).toString("hex")}-${basename(key)}`);
}

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
  const byUrl = new Map<string, { state: FileState; part: Part; dest: string }>();
  const commands: { url: string; line: string }[] = [];
  const partFlags = ["--raw", "--part-size", String(ctx.settings.partSizeMb)];
  for (const state of states) {
    state.attempts++;
    state.retry = undefined;
    const parts: Part[] = [];
    if (!state.zip) parts.push("zip");
    if (opts.withChecksum && !state.checksum) parts.push("checksum");
    for (const part of parts) {
      const key = keyOf(state, part);
      // `z<i>-`/`c<i>-`: s5cmd's temp files are `<dest name><random>`, so no dest name may prefix another's.
      const dest = join(workDir, `${part === "zip" ? "z" : "c"}${state.index}-${basename(key)}`);
      const url = `${bucketUrl(ctx)}${key}`;
      byUrl.set(url, { state, part, dest });
      commands.push({ url, line: ["cp", ...partFlags, url, dest].map(shellQuote).join(" ") });
    }
  }
  const destNames = new Set([...byUrl.values()].map((t) => basename(t.dest)));

  const progress = createProgress(workDir, destNames, opts.onBytes);
  const pending = new Set(states);
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
    if (state.zip) await rm(state.zip.path, { force: true });
    state.zip = undefined;
    return failedResult(ctx, state, key, error, retryable);
  };
  // ETags and times: s5cmd's cp output has none, so the zips' folders are listed beside the downloads; a
  // finished file waits (in `held`) until that listing is in.
  const stop = new AbortController();
  const onAbort = () => stop.abort(opts.signal.reason);
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener("abort", onAbort, { once: true });
  const unlisted = states.filter((st) => !st.zip && !st.remote);
  let listed = unlisted.length === 0;
  const listing = listed
    ? Promise.resolve()
    : listRemote(ctx, listingPrefixes(unlisted.map((st) => st.file.key)), stop.signal)
        .then((found) => {
          for (const st of unlisted) {
            const info = found.get(st.file.key);
            if (info) st.remote = info;
          }
        })
        .finally(() => {
          // Without a listing the files still go out, only without ETag (listRemote logs why).
          listed = true;
          notify();
        });
  /** Fetched files waiting for the listing (their ETag), in completion order. */
  const held: FileState[] = [];
  /** Results ready to hand out (failures, 404s, fetched files once listed). */
  const ready: FetchResult[] = [];
  let wake: (() => void) | undefined;
  function notify() {
    const w = wake;
    wake = undefined;
    w?.();
  }

  const fetchedResult = (state: FileState): FetchedFile => {
    const zip = state.zip!;
    const r: FetchedFile = {
      status: "fetched",
      file: state.file,
      zipPath: zip.path,
      size: zip.size,
      attempts: state.attempts,
    };
    if (state.checksum && "text" in state.checksum) r.checksumText = state.checksum.text;
    else if (state.checksum) r.checksumMissing = true;
    // A listing of another size describes another version of the object: its ETag would mislead.
    if (state.remote && state.remote.size === zip.size) {
      if (state.remote.etag) r.etag = state.remote.etag;
      if (state.remote.lastModified) r.lastModified = state.remote.lastModified;
    }
    return r;
  };
  /** Once every part a file needs has arrived, it waits in `held` for the listing. */
  const complete = (state: FileState): undefined => {
    if (!state.zip || state.retry) return undefined;
    if (opts.withChecksum && !state.checksum) return undefined;
    settle(state);
    held.push(state);
    return undefined;
  };

  const onDone = async (
    target: { state: FileState; part: Part; dest: string },
    reported: number | undefined,
  ) => {
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
    const path = stagedZipPath(opts.stagingDir, state.file.key);
    await rename(dest, path);
    state.zip = { path, size };
    return complete(state);
  };

  const onFailed = async (target: { state: FileState; part: Part }, error: string) => {
    const { state, part } = target;
    if (state.final) return undefined;
    const c = classifyError(error);
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

  // Each command handed to s5cmd holds a permit of the downloader's budget until its result line (or the end of
  // the process): the commands in flight across all our s5cmd processes never exceed max_parallel_downloads.
  const permits = new Map<string, Release>();
  /** Stops handing out commands: the round is over, or s5cmd has ended. */
  const feedStop = new AbortController();
  const onStop = () => feedStop.abort(stop.signal.reason);
  if (stop.signal.aborted) onStop();
  else stop.signal.addEventListener("abort", onStop, { once: true });
  const releaseOne = (url: string) => {
    permits.get(url)?.();
    permits.delete(url);
  };
  const releaseAll = () => {
    for (const release of permits.values()) release();
    permits.clear();
  };
  /** Waits for a permit for this command; false when the feed stopped first. */
  const take = async (url: string): Promise<boolean> => {
    let release: Release;
    try {
      release = await ctx.budget.acquire(feedStop.signal);
    } catch {
      return false;
    }
    if (feedStop.signal.aborted) {
      release();
      return false;
    }
    permits.set(url, release);
    return true;
  };
  /** s5cmd's stdin: each command once it has a permit (the first one has it already). */
  async function* feed(): AsyncGenerator<string> {
    for (const [i, c] of commands.entries()) {
      if (i > 0 && !(await take(c.url))) return;
      yield `${c.line}\n`;
    }
  }

  // s5cmd's lines are handled as they come (staging renames, CHECKSUM reads) in this pump, not when our caller
  // asks for the next result: the caller's verify-and-store of one file overlaps our work on the next ones.
  let run: ReturnType<typeof runS5cmd> | undefined;
  const pump = async (): Promise<void> => {
    // s5cmd starts once its first command has a permit: a process waiting for the budget would only sit there.
    const first = commands[0];
    if (first && !(await take(first.url))) throw stop.signal.reason;
    const args = [...globalArgs(ctx, opts.numworkers), "run"];
    ctx.logger.debug("running s5cmd", {
      command: [ctx.binary, ...args].join(" "),
      files: states.length,
      commands: commands.length,
    });
    run = runS5cmd({
      binary: ctx.binary,
      args,
      env: s5cmdEnv(ctx),
      input: feed(),
      // A result line gives the permit back at once, not when the pump gets to it (it may be busy staging files).
      onLine: ({ json }) => {
        const line = json && parseLine(json);
        if (line && line.kind === "done") releaseOne(line.source);
        if (line && line.kind === "failed") for (const url of commandUrls(line)) releaseOne(url);
      },
      idleTimeoutMs: ctx.settings.timeoutSeconds * 1000,
      // Waiting for permits with nothing in flight is not a hang.
      poll: async () => (await progress.poll()) || permits.size === 0,
      pollMs: ctx.pollMs,
      signal: stop.signal,
    });
    const push = (r: FetchResult | undefined) => {
      if (r) ready.push(r);
      notify();
    };
    let general: string | undefined;
    for (;;) {
      const next = await run.next();
      if (next.done) {
        // s5cmd is gone: its unreported commands are no longer in flight, and the rest will not be handed out.
        feedStop.abort();
        releaseAll();
        const end = next.value;
        if (end.spawnError) {
          throw new LakehouseError("TOOL_MISSING", `s5cmd command not available: ${end.spawnError}`);
        }
        const usage = usageProblem(end.textTail);
        if (usage) throw usage;
        // Parts that got no line: the process died, hung (we killed it) or stopped early.
        const why = end.timedOut
          ? `timed out: no progress for ${ctx.settings.timeoutSeconds} s (s5cmd was stopped)`
          : `s5cmd ended (${end.signal ?? `exit code ${end.exitCode}`}) without reporting this file${
              general ? `: ${general}` : end.textTail.length ? `: ${end.textTail.join(" ")}` : ""
            }`;
        for (const state of [...pending]) {
          if (state.retry) continue;
          const key = !state.zip ? keyOf(state, "zip") : keyOf(state, "checksum");
          // An unexplained end is retried like a network failure.
          push(await fail(state, key, why, true));
        }
        // Retryable failures whose budget is not spent stay pending for the caller's next round.
        return;
      }
      const { json } = next.value;
      if (!json) continue;
      const line = parseLine(json);
      if (line.kind === "done") {
        const target = byUrl.get(line.source);
        if (target) push(await onDone(target, line.size));
      } else if (line.kind === "failed") {
        for (const url of commandUrls(line)) {
          const target = byUrl.get(url);
          if (target) push(await onFailed(target, line.error));
        }
      } else if (line.kind === "general") {
        general ??= tidyError(line.error);
        ctx.logger.debug("s5cmd reported an error", { error: line.error });
      }
    }
  };
  let pumped = false;
  let failure: { error: unknown } | undefined;
  const pumping = pump()
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
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // Our caller may have stopped early: end both processes and wait for the pump to notice.
    stop.abort();
    opts.signal.removeEventListener("abort", onAbort);
    await pumping;
    await run?.return(undefined as never).catch(() => undefined);
    // Only now that s5cmd is gone may its permits go to other transfers.
    releaseAll();
    await listing.catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}
