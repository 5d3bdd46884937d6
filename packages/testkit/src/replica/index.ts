// Public surface of the archive replica generator.

export { generatedColumns } from "./csv/index.js";
export { generateReplica, writeManifest } from "./generate.js";
export { folderOf, publishChecksum, removeChecksum, republish } from "./mutate.js";
export {
  DEFAULT_REPLICA_SYMBOLS,
  type PlannedFile,
  planReplica,
  REPLICA_PLUGINS,
  type ReplicaPlan,
  type ReplicaSelection,
  replicaKeysFor,
  replicaSymbolFor,
} from "./plan.js";
export { checksumHasNewline, OUTAGE_ROW, QUIRK_DATES } from "./quirks.js";
export type { ReplicaFile, ReplicaManifest, ReplicaOptions, ReplicaQuirks } from "./types.js";
