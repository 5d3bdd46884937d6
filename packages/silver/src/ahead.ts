// An ordered two-stage pipeline: work items are prepared (zips extracted) ahead of the stage that consumes them
// (DuckDB), in order and across list and table boundaries, within a byte and an item budget — so the converter never
// waits for an extraction that could have run while it converted the files before.

/** A work item, or a task run in order between them (e.g. saving state); a fence also holds back what follows. */
export type Step<W> = { work: W } | { task: () => Promise<void>; fence?: boolean };

export interface AheadOptions<W, P> {
  /** Prepares one work item; failures are part of the result, not thrown. */
  prepare(work: W): Promise<P>;
  /** Bytes a prepared item holds (an extracted CSV) until it is consumed. */
  size(prepared: P): number;
  consume(prepared: P): Promise<void>;
  /** Frees a prepared item that will not be consumed (the run was cancelled). */
  discard(prepared: P): Promise<void>;
  /**
   * Called when the consumer has caught up with the producer (nothing prepared is waiting): a chance to start on
   * what it holds instead of idling. Resolves true when it did work (then the queue is looked at again).
   */
  idle?(): Promise<boolean>;
  /** Prepared items may wait up to these many bytes and items; the next one is always prepared. */
  budgetBytes: number;
  budgetItems: number;
  signal?: AbortSignal;
}

type Queued<P> = { prepared: P; size: number } | { task: () => Promise<void>; done?: () => void };

/** Queues a task for the consumer; a fence's promise resolves only once the consumer has run it. */
function queueTask<P>(
  queue: Queued<P>[],
  step: { task: () => Promise<void>; fence?: boolean },
  wake: () => void,
): Promise<void> {
  if (!step.fence) {
    queue.push({ task: step.task });
    wake();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    queue.push({ task: step.task, done: resolve });
    wake();
  });
}

async function runTask(item: { task: () => Promise<void>; done?: () => void }): Promise<void> {
  try {
    await item.task();
  } finally {
    item.done?.();
  }
}

/**
 * Runs `steps` in order: each work item prepared by one producer (as far ahead as the budget allows) and consumed
 * by one consumer; tasks run by the consumer in their place. The steps are pulled lazily, so planning that depends
 * on earlier work can sit behind a fence. Once cancelled, nothing more is pulled and prepared items are discarded;
 * tasks already pulled still run.
 */
export async function runAhead<W, P>(steps: AsyncIterable<Step<W>>, o: AheadOptions<W, P>): Promise<void> {
  const queue: Queued<P>[] = [];
  let waitingBytes = 0;
  let waitingItems = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const poke = (w: (() => void) | undefined) => w?.();
  const cancelled = () => stopped || o.signal?.aborted === true;

  const produce = async () => {
    try {
      for await (const step of steps) {
        if (cancelled()) break;
        if ("task" in step) {
          await queueTask(queue, step, () => poke(wakeConsumer));
          continue;
        }
        while (waitingItems > 0 && (waitingBytes >= o.budgetBytes || waitingItems >= o.budgetItems)) {
          if (cancelled()) break;
          await new Promise<void>((resolve) => (wakeProducer = resolve));
        }
        if (cancelled()) break;
        const prepared = await o.prepare(step.work);
        const size = o.size(prepared);
        queue.push({ prepared, size });
        waitingBytes += size;
        waitingItems++;
        poke(wakeConsumer);
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      poke(wakeConsumer);
    }
  };
  const producer = produce();

  try {
    for (;;) {
      const item = queue.shift();
      if (!item) {
        if (finished) break;
        if (o.idle && !cancelled() && (await o.idle())) continue;
        if (queue.length || finished) continue;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
        continue;
      }
      if ("task" in item) {
        await runTask(item);
        continue;
      }
      waitingBytes -= item.size;
      waitingItems--;
      poke(wakeProducer);
      if (cancelled()) await o.discard(item.prepared);
      else await o.consume(item.prepared);
    }
  } catch (e) {
    // Stop the producer (a fence still queued is released so it can see that), then free what it prepared.
    stopped = true;
    poke(wakeProducer);
    for (const q of queue) if ("task" in q) q.done?.();
    await producer;
    for (const q of queue.splice(0)) if ("prepared" in q) await o.discard(q.prepared);
    throw e;
  }
  await producer;
  if (failure) throw failure.error;
}
