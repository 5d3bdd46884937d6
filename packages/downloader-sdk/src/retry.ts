// Runs one request with our own retries: exponential backoff with full jitter, abortable sleeps.
import { setTimeout as sleep } from "node:timers/promises";
import { type TransferError, toTransferError } from "./transfer-error.js";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseMs: number;
  maxMs: number;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: TransferError; attempts: number };

/** Full jitter (AWS architecture blog): spreads retrying clients out instead of synchronising them. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
}

/**
 * Calls `attempt` until it succeeds, fails for good, or retries run out.
 * Aborts are thrown, never returned, so callers cannot mistake them for a file's failure.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: TransferError, attempt: number, delayMs: number) => void,
): Promise<RetryOutcome<T>> {
  for (let n = 1; ; n++) {
    throwIfAborted(signal);
    try {
      return { ok: true, value: await attempt(n), attempts: n };
    } catch (e) {
      throwIfAborted(signal);
      const error = toTransferError(e);
      if (!error.info.retryable || n > policy.retries) return { ok: false, error, attempts: n };
      const delay = backoffDelay(n, policy);
      onRetry?.(error, n, delay);
      if (delay > 0) await sleep(delay, undefined, signal ? { signal } : undefined);
    }
  }
}
