// Public surface of @crypto-lakehouse/executor-bullmq: the executor plugin, the worker loop, and run operations.
export { createBullmqExecutor } from "./executor.js";
export type { BatchJobData, BatchJobResult, BatchProgress, StoredResult } from "./jobs.js";
export type { BullmqOptions, ResolvedBullmqOptions } from "./options.js";
export { bullmqOptionsSchema, redactUrl, resolveOptions } from "./options.js";
export { bullmqExecutor } from "./plugin.js";
export type { CancelResult, QueuedRun } from "./runs.js";
export { cancelRun, listQueuedRuns } from "./runs.js";
export type { SyncJobData, SyncWorker } from "./schedule.js";
export {
  listSyncSchedules,
  scheduleSync,
  startSyncWorker,
  syncScheduleId,
  unscheduleSync,
} from "./schedule.js";
export { stripSecrets } from "./secrets.js";
export type {
  BatchEnd,
  BatchEvent,
  QueueStats,
  QueueWorker,
  QueueWorkerHooks,
  QueueWorkerOptions,
} from "./worker.js";
export { startQueueWorker } from "./worker.js";
