// The default executor: runs batches in this process, a few at a time, pulling lazily from the plan stream.
import type { Executor, ExecutorPlugin } from "@crypto-lakehouse/core";

/**
 * Batches in flight at once: twice what would keep the downloader's `concurrency` (shared by all batches) busy
 * if every batch were downloading, plus two. A batch ends with its last files verified and stored (a few group
 * syncs); while some batches are in that tail the others keep the link busy. With just enough to fill it, the
 * batches reached their tails together and the link sat idle a third of the time at 150 ms. At least 2, at most
 * 16 (each batch also verifies and stores).
 */
export function batchesInFlight(concurrency: number, batchSize: number): number {
  return Math.min(16, Math.max(2, Math.ceil((2 * concurrency) / Math.max(1, batchSize)) + 2));
}

export function createInProcessExecutor(): Executor {
  return {
    kind: "executor",
    id: "in-process",
    async run({ batches, processor, signal, onFile, onBytes, concurrency, maxBatchesInFlight }) {
      const it = batches[Symbol.asyncIterator]();
      let stopped = false;
      // The first batch tells the batch size: the lanes after the first start once it is known.
      const first = await it.next();
      let head: typeof first | undefined = first;
      const lane = async () => {
        try {
          while (!signal?.aborted && !stopped) {
            const next = head ?? (await it.next());
            head = undefined;
            if (next.done) return;
            await processor(next.value, {
              ...(signal ? { signal } : {}),
              onFile,
              ...(onBytes ? { onBytes } : {}),
            });
          }
        } catch (e) {
          stopped = true; // the other lanes take no new batch
          throw e;
        }
      };
      // Every lane settles before the run returns (a cancelled lane must not leave the other one still storing).
      const size = first.done ? 1 : first.value.files.length;
      const count = Math.min(
        batchesInFlight(concurrency, size),
        maxBatchesInFlight ?? Number.POSITIVE_INFINITY,
      );
      const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, count) }, lane));
      const failed = lanes.find((l): l is PromiseRejectedResult => l.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

export const inProcessExecutor: ExecutorPlugin<Record<string, never>> = {
  kind: "executor",
  id: "in-process",
  description: "Runs batches in this process (the default).",
  create: () => createInProcessExecutor(),
};
