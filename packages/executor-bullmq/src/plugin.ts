// The executor plugin object, light to import: bullmq and ioredis load only when a run actually uses the queue.
import type { Executor, ExecutorPlugin } from "@crypto-lakehouse/core";
import { type BullmqOptions, bullmqPluginSchema } from "./options.js";

export const bullmqExecutor: ExecutorPlugin<BullmqOptions> = {
  kind: "executor",
  id: "bullmq",
  description: "Queues batches on Redis (BullMQ) for `lakehouse-worker` processes and follows the run live.",
  optionsSchema: bullmqPluginSchema,
  async create(options, deps): Promise<Executor> {
    const { createBullmqExecutor } = await import("./executor.js");
    return createBullmqExecutor(options, deps);
  },
};
