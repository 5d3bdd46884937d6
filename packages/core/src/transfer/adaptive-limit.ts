// How many transfers a downloader keeps in flight: AIMD, the way TCP and the AWS SDK's adaptive retry mode behave.
// Grows while throughput grows (doubling at first, then step by step), halves on throttling (503 SlowDown, 429),
// timeouts and resets, stays under a cap (the user's max_parallel_downloads) and under a memory budget (RSS).
// The permits are p-limit slots; no AIMD library fitted (those on npm are rate limiters, not concurrency ones).
import pLimit, { type LimitFunction } from "p-limit";

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

/** AIMD over p-limit slots: the limit grows while throughput grows, and is cut on congestion or memory pressure. */
class AimdLimit implements AdaptiveLimit {
  private readonly max: number;
  private readonly now: () => number;
  private readonly rss: () => number;
  private readonly budget: number;
  private readonly slots: LimitFunction;
  private readonly stats: ConcurrencyReport;
  private slowStart: boolean;
  // The measurement window: transfers completed since `windowStart`, and whether the limit was the constraint.
  private windowStart: number;
  private done = 0;
  private saturated = false;
  private lastRate = 0;
  /** The window after a change is a warm-up: transfers started under the old limit are still finishing. */
  private warmUp = false;
  private lastCut = Number.NEGATIVE_INFINITY;
  /** About one round trip of the transfers: the last window's length. */
  private roundMs = 1000;

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.max = Math.max(1, Math.floor(options.max));
    this.now = options.now ?? (() => performance.now());
    this.rss = options.rss ?? (() => process.memoryUsage.rss());
    this.budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
    const start = options.adaptive ? Math.min(this.max, options.initial ?? ADAPTIVE_INITIAL) : this.max;
    this.slots = pLimit(start);
    this.stats = {
      adaptive: options.adaptive,
      current: start,
      peak: start,
      peakInFlight: 0,
      max: this.max,
      decreases: 0,
    };
    this.slowStart = options.adaptive;
    this.windowStart = this.now();
  }

  get limit(): number {
    return this.stats.current;
  }

  get inUse(): number {
    return this.slots.activeCount;
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { slots, stats } = this;
    if (slots.activeCount >= stats.current) this.saturated = true;
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      // p-limit holds a slot while the function's promise is pending: our function's promise is the permit.
      void slots(() => {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) return undefined;
        stats.peakInFlight = Math.max(stats.peakInFlight, slots.activeCount);
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
  }

  completed(): void {
    if (!this.options.adaptive && this.stats.current === this.max) return;
    this.done++;
    this.evaluate();
  }

  congested(): void {
    // One cut per round of transfers: those in flight together all meet the same overload.
    if (this.now() - this.lastCut < Math.max(MIN_WINDOW_MS, this.roundMs)) return;
    this.cut();
  }

  report(): ConcurrencyReport {
    return { ...this.stats };
  }

  private setLimit(n: number): void {
    const next = Math.max(1, Math.min(this.max, Math.floor(n)));
    if (next === this.stats.current) return;
    this.stats.current = next;
    this.stats.peak = Math.max(this.stats.peak, next);
    this.slots.concurrency = next;
    this.warmUp = true;
  }

  private newWindow(): void {
    this.windowStart = this.now();
    this.done = 0;
    this.saturated = this.slots.activeCount >= this.stats.current;
  }

  private cut(): void {
    this.setLimit(this.stats.current / 2);
    this.stats.decreases++;
    this.slowStart = false;
    this.lastRate = 0;
    this.lastCut = this.now();
    this.newWindow();
  }

  /** Once a window holds about one limit's worth of transfers: grow if throughput grew and the limit was reached. */
  private evaluate(): void {
    const elapsed = this.now() - this.windowStart;
    const current = this.stats.current;
    if (this.done < current || elapsed < MIN_WINDOW_MS) return;
    const rate = this.done / elapsed;
    this.roundMs = elapsed;
    // Memory is looked at only above the starting limit: below it the budget cannot be what the limit added.
    if (current > ADAPTIVE_INITIAL && this.rss() > this.budget) {
      this.cut();
      return;
    }
    if (this.warmUp) {
      this.warmUp = false;
      this.newWindow();
      return;
    }
    // A limit that was never reached says nothing about whether a higher one would help (the work is elsewhere).
    if (this.saturated && current < this.max) {
      if (rate > this.lastRate * GROWTH) this.setLimit(this.slowStart ? current * 2 : current + 1);
      else this.slowStart = false;
    }
    this.lastRate = rate;
    this.newWindow();
  }
}

export function createAdaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  return new AimdLimit(options);
}
