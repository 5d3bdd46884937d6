// Runs one request with our own retries: exponential backoff with full jitter, abortable sleeps.
import { type Backoff, backoffDelay, sleepUnlessAborted } from "@crypto-lakehouse/core";
import { type TransferError, toTransferError } from "./transfer-error.js";

export interface RetryPolicy extends Backoff {
  /** Attempts after the first. */
  retries: number;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: TransferError; attempts: number };

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
      await sleepUnlessAborted(delay, signal);
    }
  }
}
