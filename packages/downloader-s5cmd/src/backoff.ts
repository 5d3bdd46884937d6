// Waits between retry rounds: exponential backoff with full jitter, cut short by an abort.
import { setTimeout as sleep } from "node:timers/promises";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Retry `n` (1-based) waits random(0, min(maxMs, baseMs · 2^(n−1))) ms. */
export function backoffMs(n: number, b: Backoff, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, n - 1)));
}

/** Sleeps; rejects with the abort reason when `signal` aborts. */
export async function waitBeforeRetry(n: number, b: Backoff, signal?: AbortSignal): Promise<void> {
  const ms = backoffMs(n, b);
  if (ms > 0) await sleep(ms, undefined, signal ? { signal } : undefined);
  else if (signal?.aborted) throw signal.reason;
}
