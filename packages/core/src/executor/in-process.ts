// The default executor: runs batches in this process, a few at a time, pulling lazily from the plan stream.
import type { Executor, ExecutorPlugin } from "../contracts/executor.js";

/** Batches in flight at once; each batch already downloads `concurrency` files in parallel. */
const BATCHES_IN_FLIGHT = 2;

export function createInProcessExecutor(): Executor {
  return {
    kind: "executor",
    id: "in-process",
    async run({ batches, processor, signal, onFile, onBytes }) {
      const it = batches[Symbol.asyncIterator]();
      const lane = async () => {
        while (!signal?.aborted) {
          const next = await it.next();
          if (next.done) return;
          await processor(next.value, {
            ...(signal ? { signal } : {}),
            onFile,
            ...(onBytes ? { onBytes } : {}),
          });
        }
      };
      await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, lane));
    },
  };
}

export const inProcessExecutor: ExecutorPlugin<Record<string, never>> = {
  kind: "executor",
  id: "in-process",
  description: "Runs batches in this process (the default).",
  create: () => createInProcessExecutor(),
};
