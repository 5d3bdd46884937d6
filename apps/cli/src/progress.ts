// Live progress on a TTY (files done/total, bytes, rate, ETA, failures); nothing when piped (cli-progress is
// loaded only for a terminal).
import type { Progress } from "@crypto-lakehouse/engine";
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
