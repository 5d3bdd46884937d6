// Public surface of the test-only service launchers (toxiproxy, redis, s5cmd). versitygw and the launcher plumbing
// live in @crypto-lakehouse/replica (the CLI serves the replica with them); they are re-exported from the testkit root.
export type { RedisServer } from "./redis.js";
export { pingRedis, startRedis } from "./redis.js";
export { s5cmdPath } from "./s5cmd.js";
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
