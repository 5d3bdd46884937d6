// Public surface of the runtime: the programmatic API, config resolution, the plugin registry and loading, and
// the one composition root (Runtime) every entry point builds its parts from.
export type {
  CollectApiOptions,
  CollectResult,
  CommonOptions,
  Config,
  PlanCounts,
  PlanResult,
} from "./api.js";
export { CollectRunError, collect, collectResolved, groupKey, plan, planResolved } from "./api.js";
export { downloaderSettings } from "./container.js";
export type { JobRuntime, JobRuntimeOptions } from "./job.js";
export { checkDownloader, createJobRuntime, createJobStorage } from "./job.js";
export { loadPluginModule, loadPlugins } from "./plugins.js";
export type { AnyPlugin, PluginEntry, PluginRegistry } from "./registry.js";
export { builtinRegistry, findPlugin, register } from "./registry.js";
export type { ResolvedLake, ResolvedRun, ResolveOptions } from "./resolve.js";
export { configBaseDir, readConfigFile, resolveLake, resolveRun } from "./resolve.js";
export type { Runtime, RuntimeOptions } from "./runtime.js";
export { createRuntime, openRuntime } from "./runtime.js";
export type { Choice } from "./selection.js";
export { executorSelection, storageSelection } from "./selection.js";
export type { SyncOptions, SyncResult } from "./sync.js";
export { checkLocalRoom, estimateResolved, syncResolved } from "./sync.js";
