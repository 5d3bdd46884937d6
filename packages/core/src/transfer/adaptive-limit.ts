// How many transfers a downloader keeps in flight: AIMD, the way TCP and the AWS SDK's adaptive retry mode behave.
// Grows while throughput grows (doubling at first, then step by step), halves on throttling (503 SlowDown, 429),
// timeouts and resets, stays under a cap (the user's max_parallel_downloads) and under a memory budget (RSS).
// The permits are p-limit slots; no AIMD library fitted (those on npm are rate limiters, not concurrency ones).
import pLimit from "p-limit";

/** Gives back one permit; calling it again does nothing. */
export type Release = () => void;

/** What a run reports of its concurrency (run summary, progress). */
export interface ConcurrencyReport {
  /** True when the user set no limit and it adapted; false when the user's value was the cap. */
  adaptive: boolean;
  /** The limit now. */
  current: number;
  /** The highest limit reached. */
  peak: number;
  /** The most transfers that were really in flight at once. */
  peakInFlight: number;
  /** The cap: the user's value, or the adaptive default maximum. */
  max: number;
  /** How often the limit was cut for throttling, timeouts, resets or memory. */
  decreases: number;
}

export interface AdaptiveLimitOptions {
  /** Never exceeded: the user's max_parallel_downloads, or the adaptive default maximum. */
  max: number;
  /** Adapt from `initial` (the user set no limit); false starts at `max` and only backs off and recovers. */
  adaptive: boolean;
  /** Where an adaptive limit starts (default 8). */
  initial?: number;
  /** Resident memory above which the limit stops growing and is cut (default 320 MB). */
  memoryBudgetBytes?: number;
  /** For tests. */
  rss?: () => number;
  now?: () => number;
}

export interface AdaptiveLimit {
  readonly limit: number;
  readonly inUse: number;
  /**
   * Resolves with a permit once one is free (first come, first served). Rejects with the signal's reason when it
   * aborts first; a permit that frees up for an aborted waiter goes straight to the next one.
   */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** A transfer finished (successfully or for good): throughput is measured over these. */
  completed(): void;
  /** The server throttled (503 SlowDown, 429) or the link failed (timeout, reset): the limit is cut. */
  congested(): void;
  report(): ConcurrencyReport;
}

/** Where an adaptive limit starts: today's fixed default, safe for any server. */
export const ADAPTIVE_INITIAL = 8;
/** The adaptive maximum when the user sets no cap (s5cmd's default worker count). */
export const ADAPTIVE_MAX = 256;
export const DEFAULT_MEMORY_BUDGET_BYTES = 320 * 1024 * 1024;
/** A window shorter than this measures timer noise, not throughput. */
const MIN_WINDOW_MS = 50;
/** Throughput must beat the last window's by this much to count as growth. */
const GROWTH = 1.05;

export function createAdaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  const max = Math.max(1, Math.floor(options.max));
  const now = options.now ?? (() => performance.now());
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  const budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  const start = options.adaptive ? Math.min(max, options.initial ?? ADAPTIVE_INITIAL) : max;
  const slots = pLimit(start);
  const report: ConcurrencyReport = {
    adaptive: options.adaptive,
    current: start,
    peak: start,
    peakInFlight: 0,
    max,
    decreases: 0,
  };
  let slowStart = options.adaptive;
  // The measurement window: transfers completed since `windowStart`, and whether the limit was the constraint.
  let windowStart = now();
  let done = 0;
  let saturated = false;
  let lastRate = 0;
  /** The window after a change is a warm-up: transfers started under the old limit are still finishing. */
  let warmUp = false;
  let lastCut = Number.NEGATIVE_INFINITY;
  /** About one round trip of the transfers: the last window's length. */
  let roundMs = 1000;

  const setLimit = (n: number) => {
    const next = Math.max(1, Math.min(max, Math.floor(n)));
    if (next === report.current) return;
    report.current = next;
    report.peak = Math.max(report.peak, next);
    slots.concurrency = next;
    warmUp = true;
  };
  const newWindow = () => {
    windowStart = now();
    done = 0;
    saturated = slots.activeCount >= report.current;
  };
  const cut = () => {
    setLimit(report.current / 2);
    report.decreases++;
    slowStart = false;
    lastRate = 0;
    lastCut = now();
    newWindow();
  };
  /** Once a window holds about one limit's worth of transfers: grow if throughput grew and the limit was reached. */
  const evaluate = () => {
    const elapsed = now() - windowStart;
    if (done < report.current || elapsed < MIN_WINDOW_MS) return;
    const rate = done / elapsed;
    roundMs = elapsed;
    // Memory is looked at only above the starting limit: below it the budget cannot be what the limit added.
    if (report.current > ADAPTIVE_INITIAL && rss() > budget) {
      cut();
      return;
    }
    if (warmUp) {
      warmUp = false;
      newWindow();
      return;
    }
    // A limit that was never reached says nothing about whether a higher one would help (the work is elsewhere).
    if (saturated && report.current < max) {
      if (rate > lastRate * GROWTH) setLimit(slowStart ? report.current * 2 : report.current + 1);
      else slowStart = false;
    }
    lastRate = rate;
    newWindow();
  };

  return {
    get limit() {
      return report.current;
    },
    get inUse() {
      return slots.activeCount;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (slots.activeCount >= report.current) saturated = true;
      return new Promise<Release>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        // p-limit holds a slot while the function's promise is pending: our function's promise is the permit.
        void slots(() => {
          signal?.removeEventListener("abort", onAbort);
          if (signal?.aborted) return undefined;
          report.peakInFlight = Math.max(report.peakInFlight, slots.activeCount);
          return new Promise<void>((release) => {
            let released = false;
            resolve(() => {
              if (released) return;
              released = true;
              release();
            });
          });
        });
      });
    },
    completed() {
      if (!options.adaptive && report.current === max) return;
      done++;
      evaluate();
    },
    congested() {
      // One cut per round of transfers: those in flight together all meet the same overload.
      if (now() - lastCut < Math.max(MIN_WINDOW_MS, roundMs)) return;
      cut();
    },
    report: () => ({ ...report }),
  };
}
