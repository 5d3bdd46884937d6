// Runs one s5cmd process for a round and turns its output into results as the lines come: staging renames and
// CHECKSUM reads happen here, not when the caller asks for the next result, so the caller's verify-and-store of
// one file overlaps our work on the next ones.
import { type FetchResult, LakehouseError } from "@crypto-lakehouse/core";
import { globalArgs, s5cmdEnv } from "./invocation.js";
import { type CommandFailed, parseLine, tidyError } from "./messages.js";
import { usageProblem } from "./problems.js";
import { type RunEnd, runS5cmd } from "./process.js";
import type { RunProgress } from "./progress.js";
import { type FileState, keyOf, type Outcomes, type RoundContext, type Target } from "./round-outcomes.js";
import type { RoundPermits } from "./round-permits.js";

export interface PumpInput {
  ctx: RoundContext;
  numworkers: number;
  commands: readonly { url: string; line: string }[];
  byUrl: ReadonlyMap<string, Target>;
  permits: RoundPermits;
  outcomes: Outcomes;
  progress: RunProgress;
  /** Files without a final result yet. */
  pending: ReadonlySet<FileState>;
  /** Hands a result (or nothing) to the round's consumer. */
  push(r: FetchResult | undefined): void;
  signal: AbortSignal;
}

/** The `s3://` URLs of a failed command, without the quotes our shell quoting may have left on them. */
function commandUrls(line: CommandFailed): string[] {
  return line.sources.map((u) => u.replace(/['"]+$/, ""));
}

/** Starts s5cmd once its first command has a permit: a process waiting for the budget would only sit there. */
export async function pump(input: PumpInput): Promise<void> {
  const { ctx, commands, permits, signal } = input;
  const first = commands[0];
  if (first && !(await permits.take(first.url))) throw signal.reason;
  const args = [...globalArgs(ctx, input.numworkers), "run"];
  ctx.logger.debug("running s5cmd", {
    command: [ctx.binary, ...args].join(" "),
    files: input.pending.size,
    commands: commands.length,
  });
  const run = runS5cmd({
    binary: ctx.binary,
    args,
    env: s5cmdEnv(ctx),
    input: permits.feed(commands),
    // A result line gives the permit back at once, not when the pump gets to it (it may be busy staging files).
    onLine: ({ json }) => {
      const line = json && parseLine(json);
      if (line && line.kind === "done") permits.release(line.source, true);
      if (line && line.kind === "failed") for (const url of commandUrls(line)) permits.release(url, false);
    },
    idleTimeoutMs: ctx.settings.timeoutSeconds * 1000,
    // Waiting for permits with nothing in flight is not a hang.
    poll: async () => (await input.progress.poll()) || permits.size === 0,
    pollMs: ctx.pollMs,
    signal,
  });
  try {
    let general: string | undefined;
    for (;;) {
      const next = await run.next();
      if (next.done) return await endOfRun(input, next.value, general);
      const { json } = next.value;
      if (!json) continue;
      const line = parseLine(json);
      if (line.kind === "done") {
        const target = input.byUrl.get(line.source);
        if (target) input.push(await input.outcomes.done(target, line.size));
      } else if (line.kind === "failed") {
        for (const url of commandUrls(line)) {
          const target = input.byUrl.get(url);
          if (target) input.push(await input.outcomes.failed(target, line.error));
        }
      } else if (line.kind === "general") {
        general ??= tidyError(line.error);
        ctx.logger.debug("s5cmd reported an error", { error: line.error });
      }
    }
  } finally {
    await run.return(undefined as never).catch(() => undefined);
  }
}

/** s5cmd is gone: its unreported commands are no longer in flight, and the rest will not be handed out. */
async function endOfRun(input: PumpInput, end: RunEnd, general: string | undefined): Promise<void> {
  const { ctx } = input;
  input.permits.end();
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
  if (end.timedOut) ctx.budget.congested();
  for (const state of [...input.pending]) {
    if (state.retry) continue;
    const key = !state.zip ? keyOf(state, "zip") : keyOf(state, "checksum");
    // An unexplained end is retried like a network failure.
    input.push(await input.outcomes.fail(state, key, why, true));
  }
  // Retryable failures whose budget is not spent stay pending for the caller's next round.
}
