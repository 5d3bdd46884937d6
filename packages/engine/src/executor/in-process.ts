// The default executor: runs batches in this process, a few at a time, pulling lazily from the plan stream.
import type { Executor, ExecutorPlugin } from "@crypto-lakehouse/core";

/**
 * Batches in flight at once: enough to keep the downloader's `concurrency` (which they share) busy, so one batch's
 * slow tail does not idle it, and at least 2; at most 8, since each batch also verifies and stores.
 */
export function batchesInFlight(concurrency: number, batchSize: number): number {
  return Math.min(8, Math.max(2, Math.ceil(concurrency / Math.max(1, batchSize)) + 1));
}

export function createInProcessExecutor(): Executor {
  return {
    kind: "executor",
    id: "in-process",
    async run({ batches, processor, signal, onFile, onBytes, concurrency }) {
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
      const lanes = await Promise.allSettled(
        Array.from({ length: batchesInFlight(concurrency, size) }, lane),
      );
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
