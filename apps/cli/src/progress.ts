// Live progress on a TTY (files done/total, bytes, rate, ETA, failures); nothing when piped (cli-progress is
// loaded only for a terminal). `runWithProgress`: how collect and sync run a collection in the terminal.
import type { Progress } from "@crypto-lakehouse/engine";
import type { CollectRunError } from "@crypto-lakehouse/runtime";
import { reportError } from "./errors.js";
import { onInterrupt } from "./interrupt.js";
import { formatBytes, formatDuration } from "./table.js";

export interface ProgressView {
  update(p: Progress): void;
  stop(): void;
}

export async function createProgressView(enabled: boolean): Promise<ProgressView> {
  if (!enabled) return { update() {}, stop() {} };
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      format:
        "{bar} {value}/{total} files | {bytes} | {rate}/s | ETA {eta_h} | failures {failures} | in flight ≤ {concurrency}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last: Progress | undefined;
  const payload = (p: Progress) => {
    const elapsed = (Date.now() - p.startedAt) / 1000;
    const rate = elapsed > 0 ? p.bytes / elapsed : 0;
    const left = p.planComplete && p.done > 0 ? ((p.planned - p.done) * elapsed) / p.done : Number.NaN;
    return {
      bytes: formatBytes(p.bytes),
      rate: formatBytes(rate),
      eta_h: Number.isFinite(left) ? formatDuration(left * 1000) : "…",
      failures: p.counts.failed + p.counts.checksum_mismatch + p.counts.missing,
      concurrency: p.concurrency ?? "…",
    };
  };
  const timer = setInterval(() => last && started && bar.update(last.done, payload(last)), 500);
  timer.unref();
  return {
    update(p) {
      last = p;
      if (!started) {
        bar.start(Math.max(p.planned, 1), p.done, payload(p));
        started = true;
      }
      bar.setTotal(Math.max(p.planned, p.done, 1));
      bar.update(p.done, payload(p));
    },
    stop() {
      clearInterval(timer);
      if (started) bar.stop();
      started = false; // stopping twice (an error path, then finally) draws nothing more
    },
  };
}

/** What a run given to `runWithProgress` is handed: Ctrl-C as its signal, and where to report progress. */
export interface RunHooks {
  signal: AbortSignal;
  onProgress(p: Progress): void;
}

/**
 * Runs a collection (collect, sync) with the progress display and Ctrl-C as its signal. A run that started and then
 * failed (`CollectRunError`) is reported here: its summary as JSON for scripts (`json`), the error for people, the
 * exit code set; `afterFailure` may add a line. Gives undefined then, else the result and the signal (aborted?).
 */
export async function runWithProgress<T>(
  o: { interactive: boolean; json: boolean; afterFailure?: (e: CollectRunError) => Promise<void> },
  run: (hooks: RunHooks) => Promise<T>,
): Promise<{ result: T; signal: AbortSignal } | undefined> {
  const { CollectRunError } = await import("@crypto-lakehouse/runtime");
  const view = await createProgressView(o.interactive);
  const interrupt = onInterrupt();
  try {
    const result = await run({ signal: interrupt.signal, onProgress: (p) => view.update(p) });
    return { result, signal: interrupt.signal };
  } catch (e) {
    // A run that started and then failed: scripts still get its summary, people the error and the record.
    if (!(e instanceof CollectRunError)) throw e;
    view.stop(); // before any message, so the error is not drawn into the progress bar
    if (o.json) process.stdout.write(`${JSON.stringify({ ...e.summary, ok: false }, null, 2)}\n`);
    process.exitCode = reportError(e);
    await o.afterFailure?.(e);
    return undefined;
  } finally {
    view.stop();
    interrupt.release();
  }
}
