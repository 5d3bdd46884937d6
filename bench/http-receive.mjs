// `pnpm bench http-receive`: what it costs node to receive the collect bench's large files, by HTTP client and by
// step (count only, + SHA-256, + staging write and fsync), in client CPU seconds. Explains the large-file figures of
// `pnpm bench collect` (BENCHMARKS.md). Reads the replica `pnpm bench collect` generated; serves it with versitygw.
//
//   pnpm build && pnpm bench collect --sets large --rounds 1 && pnpm bench http-receive [--rounds 3] [--cache-dir DIR]
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startVersitygw } from "../packages/testkit/dist/index.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// undici is the sdk downloader's dependency, not the root's.
const { Agent, request } = createRequire(
  join(import.meta.dirname, "../packages/downloader-http/package.json"),
)("undici");

const { values: opt } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, "cache-dir": { type: "string" } },
});
const cacheRoot = opt["cache-dir"] ?? join(homedir(), ".cache", "crypto-lakehouse", "bench");
const replica = existsSync(cacheRoot)
  ? readdirSync(cacheRoot)
      .filter((d) => d.startsWith("collect-") && existsSync(join(cacheRoot, d, "manifest.json")))
      .map((d) => join(cacheRoot, d))[0]
  : undefined;
if (!replica) {
  console.error(
    `no collect bench replica under ${cacheRoot}: run \`pnpm bench collect --sets large --rounds 1\` first`,
  );
  process.exit(2);
}
const large = JSON.parse(readFileSync(join(replica, "manifest.json"), "utf8")).files.filter(
  (f) => f.bench === "large",
);
const BUCKET = "data.binance.vision";
process.env.VGW_KEEP_ALIVE = "true";
const gw = await startVersitygw({
  root: join(replica, "root"),
  buckets: [BUCKET],
  publicReadBuckets: [BUCKET],
  metaDir: join(replica, "meta"),
});
const agent = new Agent({ connections: 16 });
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const staging = join(tmpdir(), `bench-http-receive-${process.pid}`);
await mkdir(staging, { recursive: true });
const url = (f) => `${gw.endpoint}/${BUCKET}/${f.key}`;

/** Consumes a body stream with `onChunk`; resolves at its end. */
const drain = (body, onChunk) =>
  new Promise((resolve, reject) => {
    body.on("data", onChunk);
    body.on("end", resolve);
    body.on("error", reject);
  });

/** The sdk's steps on top of undici: hash every chunk, write 1 MiB batches, fsync. */
async function undiciSteps(f, { hash, write, sync }) {
  const res = await request(url(f), { dispatcher: agent, highWaterMark: 8 << 20 });
  const sha = createHash("sha256");
  const fh = write ? await open(join(staging, f.key.split("/").pop()), "w") : undefined;
  let pending = [];
  let bytes = 0;
  let writing = Promise.resolve();
  await drain(res.body, (c) => {
    if (hash) sha.update(c);
    if (!fh) return;
    pending.push(c);
    bytes += c.length;
    if (bytes >= 1 << 20) {
      const batch = pending;
      pending = [];
      bytes = 0;
      writing = writing.then(() => fh.writev(batch));
    }
  });
  if (fh) {
    await writing;
    if (pending.length) await fh.writev(pending);
    if (sync) await fh.sync();
    await fh.close();
  }
}

const clients = {
  "raw net.Socket, count only": (f) =>
    new Promise((resolve, reject) => {
      const u = new URL(url(f));
      const s = net.connect(Number(u.port), u.hostname, () =>
        s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`),
      );
      s.on("data", () => undefined);
      s.on("end", resolve);
      s.on("error", reject);
    }),
  "node http.get, count only": (f) =>
    new Promise((resolve, reject) =>
      http
        .get(url(f), { agent: httpAgent }, (res) => drain(res, () => undefined).then(resolve, reject))
        .on("error", reject),
    ),
  "undici request, count only": (f) => undiciSteps(f, {}),
  "undici + SHA-256": (f) => undiciSteps(f, { hash: true }),
  "undici + SHA-256 + staging write": (f) => undiciSteps(f, { hash: true, write: true }),
  "undici + SHA-256 + staging write + fsync": (f) => undiciSteps(f, { hash: true, write: true, sync: true }),
};

const mb = large.reduce((n, f) => n + f.size, 0) / 1e6;
const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
try {
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const [name, get] of Object.entries(clients)) {
      const cpu0 = process.cpuUsage();
      await Promise.all(large.map(get));
      const cpu = process.cpuUsage(cpu0);
      results[name].push((cpu.user + cpu.system) / 1e6);
    }
  }
} finally {
  await agent.close();
  httpAgent.destroy();
  await gw.stop();
  await rm(staging, { recursive: true, force: true });
}
console.log(
  `receiving ${large.length} × ${(mb / large.length).toFixed(0)} MB (${mb.toFixed(0)} MB), ${large.length} GETs in parallel, from versitygw on this machine; client CPU seconds, ${opt.rounds} rounds`,
);
for (const [name, secs] of Object.entries(results))
  console.log(`  ${name.padEnd(42)} ${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}`);
