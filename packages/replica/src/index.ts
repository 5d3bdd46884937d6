// Public surface of @crypto-lakehouse/replica: the archive replica generator (`lakehouse replica generate`) and the
// local S3 server it is served from (versitygw, `lakehouse replica serve`), plus the service launcher both use.
// The markets a replica holds by default, for callers that list them (the CLI's `replica generate`).
export { BUILTIN_MARKET_IDS } from "@crypto-lakehouse/markets-builtin";
export { generatedColumns } from "./csv/index.js";
export { generateReplica, writeManifest } from "./generate.js";
export { folderOf, publishChecksum, removeChecksum, republish } from "./mutate.js";
export {
  type PlannedFile,
  planReplica,
  type ReplicaPlan,
  type ReplicaSelection,
  replicaKeysFor,
  replicaSymbolFor,
} from "./plan.js";
export { checksumHasNewline, OUTAGE_ROW, QUIRK_DATES } from "./quirks.js";
export { freePort } from "./server/ports.js";
export type { ServiceExit, ServiceProcess, SpawnServiceOptions, WaitOptions } from "./server/process.js";
export { outputTail, spawnService, startOnFreePort, waitUntilReady } from "./server/process.js";
export type { FindToolOptions, ToolName } from "./server/tools.js";
export { findTool, SETUP_COMMAND, TOOL_ENV_VARS, toolsBinDir } from "./server/tools.js";
export type { S3ClientSettings, VersityGw, VersityGwOptions } from "./server/versitygw.js";
export { startVersitygw } from "./server/versitygw.js";
export type { StampEtagsResult } from "./server/versitygw-meta.js";
export { md5File } from "./server/versitygw-meta.js";
export type { ReplicaFile, ReplicaManifest, ReplicaOptions, ReplicaQuirks } from "./types.js";
