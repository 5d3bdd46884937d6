export type {
  CollectApiOptions,
  CollectResult,
  CommonOptions,
  Config,
  PlanCounts,
  PlanResult,
} from "./api.js";
export { CollectRunError, collect, collectResolved, groupKey, plan, planResolved } from "./api.js";
export type { JobRuntime, JobRuntimeOptions } from "./job.js";
export { createJobRuntime, createJobStorage } from "./job.js";
export { loadPluginModule, loadPlugins } from "./plugins.js";
export type { AnyPlugin, PluginRegistry } from "./registry.js";
export { builtinRegistry, register } from "./registry.js";
export type { ResolvedRun, ResolveOptions } from "./resolve.js";
export { configBaseDir, readConfigFile, resolveRun } from "./resolve.js";
export type { Runtime, RuntimeOptions } from "./runtime.js";
export {
  createRuntime,
  downloaderSettings,
  executorSelection,
  portableStorage,
  storageSelection,
} from "./runtime.js";
export type { SyncOptions, SyncResult } from "./sync.js";
export { checkLocalRoom, estimateResolved, syncResolved } from "./sync.js";
