// Public surface of @crypto-lakehouse/testkit (test-only: a devDependency everywhere): real-service launchers for
// tests, plus the replica generator and versitygw re-exported from @crypto-lakehouse/replica so tests need one import.
// The vitest contract suites live at `@crypto-lakehouse/testkit/contracts`, so importing this entry never loads vitest.
export type {
  FindToolOptions,
  PlannedFile,
  ReplicaFile,
  ReplicaManifest,
  ReplicaOptions,
  ReplicaPlan,
  ReplicaQuirks,
  ReplicaSelection,
  S3ClientSettings,
  ServiceExit,
  ServiceProcess,
  SpawnServiceOptions,
  StampEtagsResult,
  ToolName,
  VersityGw,
  VersityGwOptions,
  WaitOptions,
} from "@crypto-lakehouse/replica";
export {
  checksumHasNewline,
  findTool,
  freePort,
  generatedColumns,
  generateReplica,
  md5File,
  OUTAGE_ROW,
  planReplica,
  QUIRK_DATES,
  replicaKeysFor,
  replicaSymbolFor,
  SETUP_COMMAND,
  spawnService,
  startVersitygw,
  TOOL_ENV_VARS,
  toolsBinDir,
  waitUntilReady,
  writeManifest,
} from "@crypto-lakehouse/replica";
export type {
  ProxyInfo,
  RedisServer,
  Toxic,
  ToxicAttributes,
  ToxicSpec,
  ToxicStream,
  ToxicType,
  Toxiproxy,
} from "./services/index.js";
export { pingRedis, s5cmdPath, startRedis, startToxiproxy } from "./services/index.js";
