// Public surface of the test-only service launchers (toxiproxy, redis, s5cmd, Chromium, a download host — plain, or
// TLS with HTTP/2 — and an observing proxy). versitygw and the launcher plumbing live in @crypto-lakehouse/replica (the CLI serves the replica
// with them); they are re-exported from the testkit root.
export { chromiumPath, launchChromium } from "./chromium.js";
export type { DownloadHost } from "./download-host.js";
export { startDownloadHost } from "./download-host.js";
export type { ObservingProxy, SeenRequest } from "./observing-proxy.js";
export { startObservingProxy } from "./observing-proxy.js";
export type { RedisServer } from "./redis.js";
export { pingRedis, startRedis } from "./redis.js";
export { s5cmdPath } from "./s5cmd.js";
export type { HttpProtocol, TlsDownloadHost } from "./tls-download-host.js";
export { startTlsDownloadHost } from "./tls-download-host.js";
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
