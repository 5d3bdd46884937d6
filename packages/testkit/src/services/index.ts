// Public surface of the real-service launchers (versitygw, toxiproxy, redis, s5cmd).
export { chromiumPath, launchChromium } from "./chromium.js";
export type { DownloadHost } from "./download-host.js";
export { startDownloadHost } from "./download-host.js";
export type { ObservingProxy, SeenRequest } from "./observing-proxy.js";
export { startObservingProxy } from "./observing-proxy.js";
export { freePort } from "./ports.js";
export type { ServiceExit, ServiceProcess, SpawnServiceOptions, WaitOptions } from "./process.js";
export { spawnService, waitUntilReady } from "./process.js";
export type { RedisServer } from "./redis.js";
export { pingRedis, startRedis } from "./redis.js";
export { s5cmdPath } from "./s5cmd.js";
export type { FindToolOptions, ToolName } from "./tools.js";
export { findTool, SETUP_COMMAND, TOOL_ENV_VARS, toolsBinDir } from "./tools.js";
export type {
  ProxyInfo,
  Toxic,
  ToxicAttributes,
  ToxicSpec,
  ToxicStream,
  ToxicType,
  Toxiproxy,
} from "./toxiproxy.js";
export { startToxiproxy } from "./toxiproxy.js";
export type { S3ClientSettings, VersityGw, VersityGwOptions } from "./versitygw.js";
export { startVersitygw } from "./versitygw.js";
export type { StampEtagsResult } from "./versitygw-meta.js";
export { md5File } from "./versitygw-meta.js";
