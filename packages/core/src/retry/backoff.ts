// Waits between retries, shared by every downloader: exponential backoff with full jitter, cut short by an abort.
import { setTimeout as sleep } from "node:timers/promises";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Retry `n` (1-based) waits random(0, min(maxMs, baseMs · 2^(n−1))) ms — full jitter (AWS architecture blog):
 * spreads retrying clients out instead of synchronising them.
 */
export function backoffDelay(n: number, b: Backoff, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, n - 1)));
}

/** Sleeps `ms`; rejects when `signal` aborts (an AbortError whose cause is the reason; the reason itself if aborted before). */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, signal ? { signal } : undefined);
  else if (signal?.aborted) throw signal.reason;
}

/** Waits before retry `n`, as backoffDelay says. */
export function waitBeforeRetry(n: number, b: Backoff, signal?: AbortSignal): Promise<void> {
  return sleepUnlessAborted(backoffDelay(n, b), signal);
}
