// `pnpm bench queue [--files N] [--concurrency C] [--workers 1,2,4] [--batch-size B]`: collects a generated archive
// replica (small spot trades files, served by versitygw) through the BullMQ queue with 1, 2 and 4
// `lakehouse-worker` processes on a local redis-server, and in-process; prints files/s and the queue's overhead
// against the in-process executor at equal total download concurrency. Everything runs on this machine.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { collect } from "../packages/runtime/dist/index.js";
import { generateReplica, startRedis, startVersitygw } from "../packages/testkit/dist/index.js";

// The AWS SDK warns once per process that Node 20 support ends; it works here and the warning clutters the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "600" },
    concurrency: { type: "string", default: "8" },
    workers: { type: "string", default: "1,2,4" },
    "batch-size": { type: "string", default: "25" },
  },
});
const FILES = Number(args.files);
const TOTAL = Number(args.concurrency);
const WORKERS = args.workers.split(",").map(Number);
const BATCH = Number(args["batch-size"]);
const WORKER_BIN = join(import.meta.dirname, "..", "apps", "worker", "dist", "bin.js");
if (!existsSync(WORKER_BIN)) {
  console.error("apps/worker is not built: run `pnpm build` first");
  process.exit(2);
}
const BUCKET = "data.binance.vision";
const DAY = "2023-07-01";

const root = mkdtempSync(join(tmpdir(), "lh-bench-queue-"));
console.log(
  `queue bench: ${FILES} files (4–24 KB zips), batch_size ${BATCH}, ${cpus().length} CPU cores; generating the replica…`,
);
await generateReplica({
  outDir: join(root, BUCKET),
  markets: ["spot"],
  dataTypes: ["trades"],
  start: DAY,
  end: DAY,
  smallFiles: { count: FILES, minKb: 4, maxKb: 24 },
});
const [gw, redis] = await Promise.all([
  startVersitygw({ root, buckets: [BUCKET], publicReadBuckets: [BUCKET] }),
  startRedis(),
]);

let seq = 0;
const config = (out, extra) => ({
  markets: ["spot"],
  symbols: ["SMALL*"],
  data_types: ["trades"],
  date_range: { start: DAY, end: DAY },
  endpoint: gw.endpoint,
  output_directory: out,
  batch_size: BATCH,
  ...extra,
});

/** Starts a worker and resolves once it is consuming. */
function startWorker(queue, concurrency) {
  const proc = spawn(
    process.execPath,
    [
      WORKER_BIN,
      "--queue",
      queue,
      "--concurrency",
      String(concurrency),
      "--batches",
      "2",
      "--log-format",
      "json",
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  const ready = new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on("line", (line) => {
      if (line.includes('"worker ready"')) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return { proc, ready };
}

async function timed(label, run) {
  const out = mkdtempSync(join(root, "out-"));
  const t0 = performance.now();
  const r = await run(out);
  const secs = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.counts.downloaded !== FILES)
    throw new Error(`${label}: downloaded ${r.counts.downloaded} of ${FILES} (${JSON.stringify(r.counts)})`);
  const rate = FILES / secs;
  console.log(
    `  ${label.padEnd(44)} ${secs.toFixed(2).padStart(6)} s  ${rate.toFixed(0).padStart(5)} files/s`,
  );
  return rate;
}

async function viaQueue(workers, perWorker) {
  const queue = `${redis.url}?queue=bench${++seq}&pollMs=100`;
  const ws = Array.from({ length: workers }, () => startWorker(queue, perWorker));
  await Promise.all(ws.map((w) => w.ready));
  try {
    return await timed(`queue, ${workers} worker(s) × ${perWorker} downloads`, (out) =>
      collect(config(out, { queue, max_parallel_downloads: perWorker })),
    );
  } finally {
    for (const w of ws) w.proc.kill("SIGTERM");
    await Promise.all(
      ws.map((w) => new Promise((r) => (w.proc.exitCode !== null ? r() : w.proc.once("exit", r)))),
    );
  }
}

try {
  console.log(`\nscaling (each worker: --concurrency ${TOTAL / 2}, 2 batches at once):`);
  const scaling = {};
  for (const n of WORKERS) scaling[n] = await viaQueue(n, TOTAL / 2);
  for (const n of WORKERS.slice(1))
    console.log(`  ${n} workers vs ${WORKERS[0]}: ×${(scaling[n] / scaling[WORKERS[0]]).toFixed(2)}`);

  console.log(`\nqueue overhead at equal total concurrency (${TOTAL} downloads in flight):`);
  const inproc = await timed(`in-process, --concurrency ${TOTAL}`, (out) =>
    collect(config(out, { max_parallel_downloads: TOTAL })),
  );
  const one = await viaQueue(1, TOTAL);
  const two = await viaQueue(2, TOTAL / 2);
  const pct = (q) =>
    `${(((inproc - q) / inproc) * 100).toFixed(0)}% slower`.replace(/^-(\d+)% slower/, "$1% faster");
  console.log(
    `  overhead: 1 worker × ${TOTAL}: ${pct(one)}; 2 workers × ${TOTAL / 2}: ${pct(two)} than in-process`,
  );
  console.log(
    `\n(one machine, ${cpus().length} cores: the archive replica, redis, the submitter and every worker share them, so`,
  );
  console.log(
    " more workers than cores mostly measure CPU contention, not what N machines would do; see docs/scaling.md)",
  );
} finally {
  await Promise.allSettled([gw.stop(), redis.stop()]);
  rmSync(root, { recursive: true, force: true });
}
