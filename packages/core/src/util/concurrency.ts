// The one concurrency helper of the host packages: a fixed number of lanes pulling items lazily from a stream.
// Not p-limit: p-limit queues every task up front, and a plan of a million files must stay a stream.

/**
 * Runs `work` over `source` with `concurrency` lanes; an item is pulled only when a lane is free. The first failure
 * stops the lanes from taking more items; every lane settles before that failure is rethrown, so no work outlives
 * the call. An aborted `signal` also stops new items (running ones finish). A source left unfinished is closed
 * (`return()`), as a `for await` loop would, so a generator's cleanup runs.
 */
export async function forEachConcurrent<T>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const it =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  let stopped = false;
  let exhausted = false;
  let index = 0;
  const lane = async () => {
    try {
      while (!stopped && !signal?.aborted) {
        const next = await it.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        await work(next.value, index++);
      }
    } catch (e) {
      stopped = true;
      throw e;
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === "rejected");
  if (!exhausted) {
    try {
      await it.return?.();
    } catch (e) {
      if (!failed) throw e;
    }
  }
  if (failed) throw failed.reason;
}

/** `tasks` run `concurrency` at a time; the results keep the tasks' order. */
export async function mapConcurrent<T>(
  tasks: readonly (() => Promise<T>)[],
  concurrency: number,
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  await forEachConcurrent(tasks, concurrency, async (task, i) => {
    results[i] = await task();
  });
  return results;
}
