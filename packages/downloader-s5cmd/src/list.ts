// Lists a prefix with `s5cmd --json ls` (s5cmd follows the pages), in S3 byte order, with our retries.
import {
  type Backoff,
  LakehouseError,
  type ListOptions,
  type Logger,
  type RemoteEntry,
  waitBeforeRetry,
} from "@crypto-lakehouse/core";
import { bucketUrl, endpointName, globalArgs, type Invocation, s5cmdEnv } from "./invocation.js";
import { classifyError, parseLine, tidyError, toRemoteEntry } from "./messages.js";
import { usageProblem } from "./problems.js";
import { type RunEnd, runS5cmd } from "./process.js";

export interface ListContext extends Invocation {
  backoff: Backoff;
  logger: Logger;
  pollMs: number;
}

const nameOf = (e: RemoteEntry) => (e.kind === "object" ? e.key : e.prefix);

/**
 * s5cmd prints each page's common prefixes before its objects. Pages are contiguous in key order, so
 * holding back one page's prefixes and letting them out between the objects restores byte order.
 */
class PageMerger {
  private prefixes: RemoteEntry[] = [];
  private afterObject = false;

  push(e: RemoteEntry): RemoteEntry[] {
    const out: RemoteEntry[] = [];
    if (e.kind === "prefix") {
      // A prefix after an object starts the next page: everything held so far comes first.
      if (this.afterObject) out.push(...this.flush());
      this.prefixes.push(e);
      return out;
    }
    while (this.prefixes.length > 0 && nameOf(this.prefixes[0]!) < e.key) out.push(this.prefixes.shift()!);
    out.push(e);
    this.afterObject = true;
    return out;
  }

  flush(): RemoteEntry[] {
    this.afterObject = false;
    return this.prefixes.splice(0);
  }
}

function listError(ctx: ListContext, prefix: string, error: string, attempts: number, retryable: boolean) {
  const where = `listing s3://${ctx.settings.bucket}/${prefix} at ${endpointName(ctx)} with s5cmd`;
  const c = classifyError(error);
  const text = tidyError(error);
  if (c.noSuchBucket) {
    return new LakehouseError(
      "NOT_FOUND",
      `${where}: bucket "${ctx.settings.bucket}" does not exist (${text})`,
      {
        details: ["check the downloader endpoint and bucket settings"],
      },
    );
  }
  if (c.forbidden) {
    return new LakehouseError("PERMISSION_DENIED", `${where}: ${text}`, {
      details: [
        ctx.credentials
          ? "check the credentials in the endpoint URL (user = access key id, password = secret key) and that they may list (s3:ListBucket)"
          : "the bucket must allow anonymous listing (s3:ListBucket)",
      ],
    });
  }
  return new LakehouseError("DOWNLOAD_FAILED", `${where}: ${text}`, {
    retryable,
    details: retryable ? [`gave up after ${attempts} attempts; check the network and retry`] : [],
  });
}

function cancelled(prefix: string, signal: AbortSignal): LakehouseError {
  return new LakehouseError("CANCELLED", `listing ${prefix} was cancelled`, { cause: signal.reason });
}

/** Refuses what s5cmd cannot list as asked: another delimiter, or a prefix it would read as a wildcard. */
function checkListable(prefix: string, delimiter: string): void {
  if (delimiter !== "/" && delimiter !== "") {
    throw new LakehouseError(
      "UNSUPPORTED",
      `the s5cmd downloader lists with delimiter "/" or "" (recursive), not ${JSON.stringify(delimiter)}`,
    );
  }
  if (/[*?]/.test(prefix)) {
    throw new LakehouseError(
      "UNSUPPORTED",
      `listing "${prefix}": s5cmd reads * and ? as wildcards; use the sdk downloader for such prefixes`,
    );
  }
}

type Failure = { error: string; retryable: boolean };

/** What one `s5cmd ls` said besides its entries. */
interface AttemptEnd {
  result: RunEnd | undefined;
  /** The first failed line. */
  failure: Failure | undefined;
  /** The first general error line. */
  general: string | undefined;
  /** "no object found": an empty listing, not a failure. */
  empty: boolean;
}

/**
 * One `s5cmd ls` of `target`: yields its entries in byte order, past `cursor.last` (what an earlier attempt already
 * yielded; kept up to date), and returns what it said besides.
 */
async function* listAttempt(
  ctx: ListContext,
  target: string,
  prefix: string,
  cursor: { last?: string },
  signal: AbortSignal | undefined,
): AsyncGenerator<RemoteEntry, AttemptEnd> {
  const merger = new PageMerger();
  const end: AttemptEnd = { result: undefined, failure: undefined, general: undefined, empty: false };
  const fresh = (entries: RemoteEntry[]) =>
    entries.filter((e) => cursor.last === undefined || nameOf(e) > cursor.last);
  const run = runS5cmd({
    binary: ctx.binary,
    args: [...globalArgs(ctx, 1), "ls", target],
    env: s5cmdEnv(ctx),
    idleTimeoutMs: ctx.settings.timeoutSeconds * 1000,
    pollMs: ctx.pollMs,
    ...(signal ? { signal } : {}),
  });
  try {
    for (;;) {
      const next = await run.next();
      if (next.done) {
        end.result = next.value;
        break;
      }
      const { json } = next.value;
      if (!json) continue;
      const entry = toRemoteEntry(json, bucketUrl(ctx));
      if (entry) {
        for (const e of fresh(merger.push(entry))) {
          cursor.last = nameOf(e);
          yield e;
        }
        continue;
      }
      const line = parseLine(json);
      if (line.kind === "failed") {
        if (/no object found/i.test(line.error)) end.empty = true;
        else end.failure ??= { error: line.error, retryable: classifyError(line.error).retryable };
      } else if (line.kind === "general") end.general ??= line.error;
    }
  } catch (e) {
    if (signal?.aborted) throw cancelled(prefix, signal);
    throw e;
  } finally {
    await run.return(undefined as never);
  }
  for (const e of fresh(merger.flush())) {
    cursor.last = nameOf(e);
    yield e;
  }
  return end;
}

/** Why an attempt failed (undefined: it listed everything); throws when s5cmd could not run or was misused. */
function attemptFailure(
  ctx: ListContext,
  { result, failure, general, empty }: AttemptEnd,
): Failure | undefined {
  if (!result) throw new LakehouseError("INTERNAL", "s5cmd ls ended without a result");
  if (result.spawnError) {
    throw new LakehouseError("TOOL_MISSING", `s5cmd command not available: ${result.spawnError}`);
  }
  const usage = usageProblem(result.textTail);
  if (usage) throw usage;
  if (result.timedOut)
    return { error: `timed out: no answer for ${ctx.settings.timeoutSeconds} s`, retryable: true };
  if (!failure && !empty && result.exitCode !== 0) {
    const said = general ?? result.textTail.join(" ");
    return {
      error: `s5cmd exited with ${result.signal ?? `code ${result.exitCode}`}${said ? `: ${said}` : ""}`,
      retryable: general ? classifyError(general).retryable : true,
    };
  }
  return failure;
}

export async function* listPrefix(
  ctx: ListContext,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<RemoteEntry> {
  const delimiter = options.delimiter ?? "/";
  const signal = options.signal;
  checkListable(prefix, delimiter);
  // Without a wildcard s5cmd lists one level (delimiter "/"); a trailing * lists everything below.
  const target = `${bucketUrl(ctx)}${prefix}${delimiter === "" ? "*" : ""}`;
  // A retry starts the listing again: what an earlier attempt already yielded is skipped.
  const cursor: { last?: string } = {};
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw cancelled(prefix, signal);
    const failure = attemptFailure(ctx, yield* listAttempt(ctx, target, prefix, cursor, signal));
    if (!failure) return;
    if (!failure.retryable || attempt > ctx.settings.retries) {
      throw listError(ctx, prefix, failure.error, attempt, failure.retryable);
    }
    ctx.logger.debug("retrying listing", { prefix, attempt, reason: failure.error });
    try {
      await waitBeforeRetry(attempt, ctx.backoff, signal);
    } catch {
      throw cancelled(prefix, signal!);
    }
  }
}
