// The default executor: runs batches in this process, a few at a time, pulling lazily from the plan stream.
import { type Executor, type ExecutorPlugin, forEachConcurrent } from "@crypto-lakehouse/core";

/** Batches in flight at once (so one batch's slow tail does not idle the downloader, whose `concurrency` they share). */
const BATCHES_IN_FLIGHT = 2;

export function createInProcessExecutor(): Executor {
  return {
    kind: "executor",
    id: "in-process",
    async run({ batches, processor, signal, onFile, onBytes }) {
      // A failed batch stops the other lane taking new batches, and every lane settles before the run returns
      // (a cancelled lane must not leave the other one still storing).
      await forEachConcurrent(
        batches,
        BATCHES_IN_FLIGHT,
        (batch) =>
          processor(batch, {
            ...(signal ? { signal } : {}),
            onFile,
            ...(onBytes ? { onBytes } : {}),
          }).then(() => {}),
        signal,
      );
    },
  };
}

export const inProcessExecutor: ExecutorPlugin<Record<string, never>> = {
  kind: "executor",
  id: "in-process",
  description: "Runs batches in this process (the default).",
  create: () => createInProcessExecutor(),
};
