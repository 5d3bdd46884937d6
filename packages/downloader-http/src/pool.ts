// Maps items through an async function with bounded concurrency, yielding each result as soon as it is ready.

export interface PoolOptions<R> {
  /** Stops starting work and aborts running work; the generator then ends early. */
  signal?: AbortSignal;
  /** Results finished but never yielded (early stop) are handed here, e.g. to delete staged files. */
  discard?: (result: R) => Promise<void> | void;
  /** Workers pause while this many results wait for the consumer (bounds staged-but-unconsumed files). */
  maxBuffered?: number;
}

/**
 * Results arrive in completion order. `fn` should not reject except when its signal aborts; any
 * other rejection stops the pool and is rethrown once running work has settled.
 */
export async function* mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  options: PoolOptions<R> = {},
): AsyncGenerator<R> {
  const stop = new AbortController();
  /**
   * Each item gets a signal of its own, aborted with `stop`: its requests and bodies listen there. Hundreds of
   * them on the one `stop` signal made every add/removeEventListener walk hundreds of listeners (~2 % of CPU).
   */
  const running = new Set<AbortController>();
  const outer = options.signal;
  const onOuterAbort = () => stop.abort(outer?.reason);
  if (outer?.aborted) stop.abort(outer.reason);
  else outer?.addEventListener("abort", onOuterAbort, { once: true });

  const maxBuffered = Math.max(1, options.maxBuffered ?? limit);
  const ready: R[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  let wakeConsumer: (() => void) | undefined;
  let spaceWaiters: Array<() => void> = [];
  const notify = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const releaseSpace = () => {
    const waiters = spaceWaiters;
    spaceWaiters = [];
    for (const w of waiters) w();
  };
  stop.signal.addEventListener("abort", () => {
    for (const c of running) c.abort(stop.signal.reason);
    notify();
    releaseSpace();
  });

  const worker = async (): Promise<void> => {
    while (!stop.signal.aborted && next < items.length) {
      while (ready.length >= maxBuffered && !stop.signal.aborted) {
        await new Promise<void>((resolve) => spaceWaiters.push(resolve));
      }
      if (stop.signal.aborted || next >= items.length) return;
      const item = items[next++] as T;
      const own = new AbortController();
      running.add(own);
      try {
        ready.push(await fn(item, own.signal));
      } catch (error) {
        if (!stop.signal.aborted) {
          failure ??= { error };
          stop.abort(error);
        }
      } finally {
        running.delete(own);
        notify();
      }
    }
  };

  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  let delivered = 0;
  try {
    while (delivered < items.length) {
      // After an abort nothing more is handed out, not even finished results (they are discarded below).
      if (stop.signal.aborted) break;
      if (ready.length > 0) {
        const result = ready.shift() as R;
        delivered++;
        releaseSpace();
        yield result;
        continue;
      }
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    // Reached on completion, abort, or when the consumer stops iterating: no work may outlive us.
    if (delivered < items.length) stop.abort();
    releaseSpace();
    await Promise.allSettled(workers);
    for (const r of ready.splice(0)) await options.discard?.(r);
    outer?.removeEventListener("abort", onOuterAbort);
  }
  if (failure) throw failure.error;
}
