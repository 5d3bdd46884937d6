// The default executor: runs batches in this process, a few at a time, pulling lazily from the plan stream.
import type { Executor, ExecutorPlugin } from "@crypto-lakehouse/core";

/** Batches in flight at once (so one batch's slow tail does not idle the downloader, whose `concurrency` they share). */
const BATCHES_IN_FLIGHT = 2;

export function createInProcessExecutor(): Executor {
  return {
    kind: "executor",
    id: "in-process",
    async run({ batches, processor, signal, onFile, onBytes }) {
      const it = batches[Symbol.asyncIterator]();
      let stopped = false;
      const lane = async () => {
        try {
          while (!signal?.aborted && !stopped) {
            const next = await it.next();
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
      const lanes = await Promise.allSettled(Array.from({ length: BATCHES_IN_FLIGHT }, lane));
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
