// The executor plugin object, light to import: bullmq and ioredis load only when a run actually uses the queue.
// Its hooks let the host treat it like any executor: it takes `--queue` (withQueue), lists the runs the queue
// knows (`lakehouse runs --queue`), cancels one (`lakehouse cancel`) and keeps repeatable syncs (`sync --every`).
import { type Executor, type ExecutorPlugin, LakehouseError } from "@crypto-lakehouse/core";
import { type BullmqOptions, bullmqPluginSchema } from "./options.js";

export const bullmqExecutor: ExecutorPlugin<BullmqOptions> = {
  kind: "executor",
  id: "bullmq",
  description: "Queues batches on Redis (BullMQ) for `lakehouse-worker` processes and follows the run live.",
  optionsSchema: bullmqPluginSchema,
  // `queue` is this executor's Redis URL; a URL in its own options also works without it.
  withQueue(options, queue) {
    const url = queue ?? options.url;
    if (url === undefined) {
      throw new LakehouseError(
        "CONFIG_INVALID",
        "executor: 'bullmq' needs a Redis URL — pass --queue redis://HOST:PORT (queue), or set executor.url",
      );
    }
    return { ...options, url };
  },
  async listRuns(options) {
    const { listQueuedRuns } = await import("./runs.js");
    return listQueuedRuns(options);
  },
  async cancel(options, runId) {
    const { cancelRun } = await import("./runs.js");
    return cancelRun(options, runId);
  },
  schedules: {
    async add(options, everyMs, spec) {
      const { scheduleSync } = await import("./schedule.js");
      return scheduleSync(options, everyMs, spec);
    },
    async remove(options, idOrOutput) {
      const { syncScheduleId, unscheduleSync } = await import("./schedule.js");
      const id = idOrOutput.startsWith("sync-") ? idOrOutput : syncScheduleId(idOrOutput);
      return { id, removed: await unscheduleSync(options, id) };
    },
    async list(options) {
      const { listSyncSchedules } = await import("./schedule.js");
      return listSyncSchedules(options);
    },
  },
  async create(options, deps): Promise<Executor> {
    const { createBullmqExecutor } = await import("./executor.js");
    return createBullmqExecutor(options, deps);
  },
};
