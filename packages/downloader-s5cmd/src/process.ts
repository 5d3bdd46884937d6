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

/**
 * Yields every stdout/stderr line as it arrives and returns how the process ended. Throws the abort reason when
 * `signal` aborts (after the process is gone). Ending the iteration early kills the process too.
 */
export async function* runS5cmd(opts: RunOptions): AsyncGenerator<OutputLine, RunEnd> {
  const sub = execa(opts.binary, [...opts.args], {
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
  const queue: OutputLine[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let closedStreams = 0;
  const textTail: string[] = [];
  let lastProgress = Date.now();
  const follow = (stream: Readable | null) => {
    if (!stream) {
      closedStreams++;
      return;
    }
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on("line", (text) => {
      if (!text.trim()) return;
      lastProgress = Date.now();
      let json: Record<string, unknown> | undefined;
      if (text.startsWith("{")) {
        try {
          const v: unknown = JSON.parse(text);
          if (v && typeof v === "object" && !Array.isArray(v)) json = v as Record<string, unknown>;
        } catch {
          // Not JSON after all: keep it as text.
        }
      }
      const line: OutputLine = json ? { json, text } : { text };
      if (!json) {
        textTail.push(text);
        if (textTail.length > TAIL_LINES) textTail.shift();
      }
      opts.onLine?.(line);
      queue.push(line);
      notify();
    });
    rl.on("close", () => {
      closedStreams++;
      notify();
    });
  };
  follow(sub.stdout);
  follow(sub.stderr);
  if (typeof opts.input === "object" && sub.stdin) void writeAll(opts.input, sub.stdin);

  let exited = false;
  const result = sub.then((r) => {
    exited = true;
    notify();
    return r;
  });

  let timedOut = false;
  let aborted = false;
  const kill = () => {
    if (!exited) sub.kill("SIGKILL");
  };
  const onAbort = () => {
    aborted = true;
    kill();
    notify();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  let polling = false;
  const timer = setInterval(
    () => {
      if (exited || timedOut) return;
      if (Date.now() - lastProgress >= opts.idleTimeoutMs) {
        timedOut = true;
        kill();
        return;
      }
      if (opts.poll && !polling) {
        polling = true;
        opts
          .poll()
          .then((moved) => {
            if (moved) lastProgress = Date.now();
          })
          .catch(() => undefined)
          .finally(() => {
            polling = false;
          });
      }
    },
    Math.max(10, Math.min(opts.pollMs ?? 500, opts.idleTimeoutMs / 4)),
  );

  try {
    let drains = 0;
    for (;;) {
      const line = queue.shift();
      if (line) {
        if (!aborted) yield line;
        continue;
      }
      if (exited) {
        // Streams end before execa resolves; a spawn failure may never close them, so do not wait for ever.
        if (closedStreams >= 2 || drains++ > 3) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const r = await result;
    if (aborted) throw opts.signal?.reason ?? new DOMException("aborted", "AbortError");
    const end: RunEnd = {
      exitCode: r.exitCode,
      signal: r.signal,
      timedOut,
      textTail,
    };
    // execa reports a spawn failure (ENOENT…) as a failed result with no exit code and no signal.
    if (r.failed && r.exitCode === undefined && r.signal === undefined && !timedOut) {
      end.spawnError = r.shortMessage ?? r.message;
    }
    return end;
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (!exited) {
      kill();
      await result.catch(() => undefined);
    }
  }
}
