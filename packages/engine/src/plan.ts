// The planner alone (`@crypto-lakehouse/engine/plan`): what `lakehouse plan` needs, without the collect pipeline,
// so planning starts fast. Everything here is also exported by the package index.
export type { FilesBytes, PlanEstimate } from "./plan/estimate.js";
export type { Lister, Plan } from "./plan/planner.js";
export { planFiles } from "./plan/planner.js";
export type { FollowedSelection, SyncPlanContext } from "./plan/sync.js";
