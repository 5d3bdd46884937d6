// Runs one s5cmd process through execa and streams its output lines, with a no-progress timeout and abort.
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { execa } from "execa";

export interface RunOptions {
  binary: string;
  args: readonly string[];
  env: Record<string, string>;
  /**
   * Written to stdin (commands for `s5cmd run`), then stdin is closed; an iterable is written as it yields, so
   * `s5cmd run` gets each command when the caller hands it over. Without input stdin is closed at once.
   */
  input?: string | AsyncIterable<string>;
  /** Called with each line the moment it is read, before it is queued for the iterator. */
  onLine?: (line: OutputLine) => void;
  /** Kill the process when neither a line nor `poll()` progress was seen for this long. */
  idleTimeoutMs: number;
  /** Called every `pollMs` while the process runs; resolve true when there was progress (bytes arrived). */
  poll?: () => Promise<boolean>;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface RunEnd {
  exitCode: number | undefined;
  signal: string | undefined;
  /** We killed it after `idleTimeoutMs` without progress. */
  timedOut: boolean;
  /** It could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
  /** Last non-JSON output lines (usage errors, panics), for messages. */
  textTail: string[];
}

/**
 * Writes each chunk as the source yields it, then closes stdin. Chunks are command lines (~200 bytes, a batch's
 * worth at most), so the pipe's buffer is never a concern. A source that throws (its caller stopping) ends stdin.
 */
async function writeAll(source: AsyncIterable<string>, stdin: Writable): Promise<void> {
  // EPIPE once s5cmd has exited: how it ended is reported from its exit, not from here.
  stdin.on("error", () => undefined);
  try {
    for await (const chunk of source) {
      if (stdin.destroyed || stdin.writableEnded) break;
      stdin.write(chunk);
    }
  } catch {
    // The source stops by throwing when its caller aborts: nothing more to write.
  } finally {
    if (!stdin.destroyed) stdin.end();
  }
}

/** One output line: parsed JSON when it is JSON, else the raw text. */
export type OutputLine = { json: Record<string, unknown>; text: string } | { json?: undefined; text: string };

const TAIL_LINES = 20;

/** An output line as read: parsed JSON when it is a JSON object, else text. */
function parseLine(text: string): OutputLine {
  if (text.startsWith("{")) {
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === "object" && !Array.isArray(v))
        return { json: v as Record<string, unknown>, text };
    } catch {
      // Not JSON after all: keep it as text.
    }
  }
  return { text };
}

/** The process's output lines queued for the iterator, its last text lines, and when output last moved. */
class OutputQueue {
  readonly lines: OutputLine[] = [];
  readonly textTail: string[] = [];
  closedStreams = 0;
  lastProgress = Date.now();
  private wake: (() => void) | undefined;

  constructor(private readonly onLine?: (line: OutputLine) => void) {}

  /** Wakes the iterator waiting in `next()`. */
  readonly notify = () => {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  /** Resolves at the next line, stream end, exit or abort. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  follow(stream: Readable | null): void {
    if (!stream) {
      this.closedStreams++;
      return;
    }
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on("line", (text) => {
      if (!text.trim()) return;
      this.lastProgress = Date.now();
      const line = parseLine(text);
      if (!line.json) {
        this.textTail.push(text);
        if (this.textTail.length > TAIL_LINES) this.textTail.shift();
      }
      this.onLine?.(line);
      this.lines.push(line);
      this.notify();
    });
    rl.on("close", () => {
      this.closedStreams++;
      this.notify();
    });
  }
}

/** How the run stands: exited, killed for want of progress, aborted. */
interface RunState {
  exited: boolean;
  timedOut: boolean;
  aborted: boolean;
}

function spawnS5cmd(opts: RunOptions) {
  return execa(opts.binary, [...opts.args], {
    env: opts.env,
    extendEnv: true,
    ...(typeof opts.input === "string"
      ? { input: opts.input }
      : { stdin: opts.input ? ("pipe" as const) : ("ignore" as const) }),
    buffer: false,
    reject: false,
    // If this Node process dies, do not leave s5cmd running.
    cleanup: true,
  });
}

/** Kills the process (`kill`) when neither a line nor `poll()` progress was seen for `idleTimeoutMs`. */
function watchIdle(opts: RunOptions, out: OutputQueue, run: RunState, kill: () => void): NodeJS.Timeout {
  let polling = false;
  return setInterval(
    () => {
      if (run.exited || run.timedOut) return;
      if (Date.now() - out.lastProgress >= opts.idleTimeoutMs) {
        run.timedOut = true;
        kill();
        return;
      }
      if (opts.poll && !polling) {
        polling = true;
        opts
          .poll()
          .then((moved) => {
            if (moved) out.lastProgress = Date.now();
          })
          .catch(() => undefined)
          .finally(() => {
            polling = false;
          });
      }
    },
    Math.max(10, Math.min(opts.pollMs ?? 500, opts.idleTimeoutMs / 4)),
  );
}

/** The queued lines as they come (none once aborted), until the process has exited and its streams are read. */
async function* queuedLines(out: OutputQueue, run: RunState): AsyncGenerator<OutputLine> {
  let drains = 0;
  for (;;) {
    const line = out.lines.shift();
    if (line) {
      if (!run.aborted) yield line;
      continue;
    }
    if (run.exited) {
      // Streams end before execa resolves; a spawn failure may never close them, so do not wait for ever.
      if (out.closedStreams >= 2 || drains++ > 3) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    await out.next();
  }
}

/**
 * Yields every stdout/stderr line as it arrives and returns how the process ended. Throws the abort reason when
 * `signal` aborts (after the process is gone). Ending the iteration early kills the process too.
 */
export async function* runS5cmd(opts: RunOptions): AsyncGenerator<OutputLine, RunEnd> {
  const sub = spawnS5cmd(opts);
  const out = new OutputQueue(opts.onLine);
  out.follow(sub.stdout);
  out.follow(sub.stderr);
  if (typeof opts.input === "object" && sub.stdin) void writeAll(opts.input, sub.stdin);

  const run: RunState = { exited: false, timedOut: false, aborted: false };
  const result = sub.then((r) => {
    run.exited = true;
    out.notify();
    return r;
  });
  const kill = () => {
    if (!run.exited) sub.kill("SIGKILL");
  };
  const onAbort = () => {
    run.aborted = true;
    kill();
    out.notify();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const timer = watchIdle(opts, out, run, kill);

  try {
    yield* queuedLines(out, run);
    const r = await result;
    if (run.aborted) throw opts.signal?.reason ?? new DOMException("aborted", "AbortError");
    const end: RunEnd = {
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut: run.timedOut,
      textTail: out.textTail,
    };
    // execa reports a spawn failure (ENOENT…) as a failed result with no exit code and no signal.
    if (r.failed && r.exitCode === undefined && r.signal === undefined && !run.timedOut) {
      end.spawnError = r.shortMessage ?? r.message;
    }
    return end;
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (!run.exited) {
      kill();
      await result.catch(() => undefined);
    }
  }
}
