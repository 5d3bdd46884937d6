// Maps items through an async function with bounded concurrency, yielding each result as soon as it is ready. The
// lanes are core's `forEachConcurrent`; this adds the hand-off: results in completion order, a bound on results
// waiting for the consumer, and an early stop that aborts running work and discards what was never delivered.
import { forEachConcurrent } from "@crypto-lakehouse/core";

export interface PoolOptions<R> {
  /** Stops starting work and aborts running work; the generator then ends early. */
  signal?: AbortSignal;
  /** Results finished but never yielded (early stop) are handed here, e.g. to delete staged files. */
  discard?: (result: R) => Promise<void> | void;
  /** Workers pause while this many results wait for the consumer (bounds staged-but-unconsumed files). */
  maxBuffered?: number;
}

/** Finished results waiting for the consumer; lanes wait for room, the consumer waits for a result. */
function createHandoff<R>(maxBuffered: number, stop: AbortSignal) {
  const ready: R[] = [];
  let wakeConsumer: (() => void) | undefined;
  let roomWaiters: Array<() => void> = [];
  const notify = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const releaseRoom = () => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const w of waiters) w();
  };
  stop.addEventListener("abort", () => {
    notify();
    releaseRoom();
  });
  return {
    ready,
    notify,
    releaseRoom,
    full: () => ready.length >= maxBuffered && !stop.aborted,
    async room(): Promise<void> {
      while (ready.length >= maxBuffered && !stop.aborted) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
      }
    },
    next: () =>
      new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      }),
  };
}

/** A controller aborted by `outer` too; `detach` stops listening to `outer`. */
function linkedStop(outer: AbortSignal | undefined) {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(outer?.reason);
  if (outer?.aborted) stop.abort(outer.reason);
  else outer?.addEventListener("abort", onOuterAbort, { once: true });
  return { stop, detach: () => outer?.removeEventListener("abort", onOuterAbort) };
}

/**
 * A signal per running item, aborted with `stop`: its requests and bodies listen there. Hundreds of them on the
 * one `stop` signal made every add/removeEventListener walk hundreds of listeners (~2 % of CPU on small files).
 */
function perItemSignals(stop: AbortSignal) {
  const running = new Set<AbortController>();
  stop.addEventListener("abort", () => {
    for (const c of running) c.abort(stop.reason);
  });
  return async <R>(run: (signal: AbortSignal) => Promise<R>): Promise<R> => {
    const own = new AbortController();
    running.add(own);
    try {
      return await run(own.signal);
    } finally {
      running.delete(own);
    }
  };
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
  const { stop, detach } = linkedStop(options.signal);
  const withSignal = perItemSignals(stop.signal);
  const handoff = createHandoff<R>(Math.max(1, options.maxBuffered ?? limit), stop.signal);
  let failure: { error: unknown } | undefined;
  const lanes = forEachConcurrent(
    items,
    Math.min(limit, items.length),
    async (item) => {
      // Only a full hand-off waits: otherwise the item starts in the same turn its lane took it.
      if (handoff.full()) await handoff.room();
      if (stop.signal.aborted) return;
      try {
        handoff.ready.push(await withSignal((signal) => fn(item, signal)));
      } catch (error) {
        if (!stop.signal.aborted) {
          failure ??= { error };
          stop.abort(error);
        }
      } finally {
        handoff.notify();
      }
    },
    stop.signal,
  );
  let delivered = 0;
  try {
    // After an abort nothing more is handed out, not even finished results (they are discarded below).
    while (delivered < items.length && !stop.signal.aborted) {
      if (handoff.ready.length === 0) {
        await handoff.next();
        continue;
      }
      const result = handoff.ready.shift() as R;
      delivered++;
      handoff.releaseRoom();
      yield result;
    }
  } finally {
    // Reached on completion, abort, or when the consumer stops iterating: no work may outlive us.
    if (delivered < items.length) stop.abort();
    handoff.releaseRoom();
    await lanes.catch(() => {});
    for (const r of handoff.ready.splice(0)) await options.discard?.(r);
    detach();
  }
  if (failure) throw failure.error;
}
