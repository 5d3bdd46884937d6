// The transfer budget of one downloader: max_parallel_downloads permits shared by every s5cmd process it runs.
import pLimit from "p-limit";

/** Gives back one permit; calling it again does nothing. */
export type Release = () => void;

export interface TransferBudget {
  /** The number of permits (max_parallel_downloads). */
  readonly size: number;
  /** Permits handed out and not yet released. */
  readonly inUse: number;
  /**
   * Resolves with a permit once one is free (first come, first served). Rejects with the signal's reason when it
   * aborts first; a permit that frees up for an aborted waiter goes straight to the next one.
   */
  acquire(signal: AbortSignal): Promise<Release>;
}

/**
 * One budget per downloader instance: the executor runs batches side by side (and a queue worker runs several),
 * each with its own `fetch` and its own s5cmd, so a budget per call would multiply the transfers in flight.
 */
export function createTransferBudget(size: number): TransferBudget {
  // p-limit holds a slot while the function's promise is pending: our function's promise is the permit.
  const limit = pLimit(size);
  return {
    size,
    get inUse() {
      return limit.activeCount;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<Release>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        void limit(() => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) return undefined;
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
  };
}
