// Public surface of @crypto-lakehouse/engine: the planner, the collect pipeline, verify, resume, staging, run summaries
// and the in-process executor. Built on @crypto-lakehouse/core's contracts.
export { createInProcessExecutor, inProcessExecutor } from "./executor/in-process.js";
export { parseChecksum } from "./pipeline/checksum.js";
export type { CollectConfig, CollectDeps, CollectOptions, FailedRun, Progress } from "./pipeline/collect.js";
export { batchId, failedRunOf, newRunId, runCollection } from "./pipeline/collect.js";
export type { CollectFilesOptions } from "./pipeline/collect-files.js";
export { collectFiles } from "./pipeline/collect-files.js";
export type { ChangeEvent } from "./pipeline/history.js";
export { listChanges } from "./pipeline/history.js";
export { createBatchProcessor, isPending } from "./pipeline/processor.js";
export { BronzeIndex } from "./pipeline/resume.js";
export { listRunSummaries, readRunSummary } from "./pipeline/runs.js";
export { createStagingDir } from "./pipeline/staging.js";
export type { VerifyItem, VerifyReport } from "./pipeline/verify.js";
export {
  isVerifyProblem,
  removeGoneLeftovers,
  VERIFY_PROBLEMS,
  verifyStore,
  verifyStoredFile,
} from "./pipeline/verify.js";
export { FULL_CHECK_BYTES, PREFIX_BYTES } from "./pipeline/zipcheck.js";
export type { FilesBytes, PlanEstimate } from "./plan/estimate.js";
export { assertRoomFor, estimatePlan, freeBytes, measuredThroughput } from "./plan/estimate.js";
export type { Lister, Plan } from "./plan/planner.js";
export { planFiles } from "./plan/planner.js";
export type { FollowedSelection, SyncPlanContext } from "./plan/sync.js";
export { followedSelections, planSync } from "./plan/sync.js";
