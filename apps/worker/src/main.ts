// The `lakehouse-worker` program: a thin composition root. It wires the queue consumer (queue-bullmq) to the
// CLI's own batch pipeline (createJobRuntime), a logger and the metrics endpoint, and shuts down gracefully.
import type { Server } from "node:http";
import { hostname } from "node:os";
import { isLakehouseError, LakehouseError, type Logger } from "@crypto-lakehouse/core";
import type { QueueWorker, SyncJobData } from "@crypto-lakehouse/executor-bullmq";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createWorkerLogger, type LogOptions } from "./log.js";
import { serveMetrics, WorkerMetrics } from "./metrics.js";
import { createRuntimeCache, type RuntimeCache } from "./runtimes.js";

export const VERSION = "0.1.0";

export interface WorkerFlags extends LogOptions {
  queue?: string;
  concurrency?: number;
  batches: number;
  downloader?: string;
  metricsPort?: number;
  metricsHost: string;
  shutdownTimeout: number;
  lockDuration: number;
  stalledInterval: number;
  name?: string;
}

const positiveInt = (what: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${what} must be a whole number ≥ 1`);
  return Number(v);
};
const port = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535)
    throw new InvalidArgumentError("must be a port number (0 picks a free one)");
  return Number(v);
};

export function buildProgram(): Command {
  return new Command("lakehouse-worker")
    .description(
      "Take collection batches off a Redis queue (BullMQ) and download, verify, store and record them.",
    )
    .version(VERSION)
    .option("--queue <redis-url>", "the queue's Redis, e.g. redis://HOST:6379 (or env LAKEHOUSE_QUEUE)")
    .option(
      "-j, --concurrency <n>",
      "parallel downloads inside a batch (default: the run's max_parallel_downloads)",
      positiveInt("--concurrency"),
    )
    .option("-b, --batches <n>", "batches this worker runs at once", positiveInt("--batches"), 1)
    .option("-d, --downloader <id>", "downloader to use instead of the run's: http or s5cmd")
    .option("--metrics-port <port>", "serve Prometheus metrics on http://HOST:PORT/metrics", port)
    .option("--metrics-host <host>", "address the metrics endpoint listens on", "127.0.0.1")
    .option(
      "--shutdown-timeout <seconds>",
      "on SIGTERM, time to finish the current batch before handing it back",
      positiveInt("--shutdown-timeout"),
      60,
    )
    .option(
      "--lock-duration <ms>",
      "a batch's lock lifetime; a killed worker's batch is taken over after about this long",
      positiveInt("--lock-duration"),
      30_000,
    )
    .option(
      "--stalled-interval <ms>",
      "how often to look for batches whose worker died",
      positiveInt("--stalled-interval"),
      30_000,
    )
    .option("--name <name>", "worker name shown in logs and on jobs (default: HOST:PID)")
    .option("-v, --verbose", "debug logging")
    .option("-q, --quiet", "warnings and errors only")
    .addOption(
      new Option(
        "--log-format <format>",
        "log format (default: pretty on a TTY, JSON lines otherwise)",
      ).choices(["json", "pretty"]),
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : 2;
  }
  const f = program.opts<WorkerFlags>();
  const name = f.name ?? `${hostname()}:${process.pid}`;
  let log: Logger;
  try {
    log = createWorkerLogger(f, { worker: name });
  } catch (e) {
    // No logger yet (e.g. a bad LOG_LEVEL): say it plainly on stderr.
    process.stderr.write(`${isLakehouseError(e) ? e.describe() : String(e)}\n`);
    return 2;
  }
  try {
    return await runWorker(f, name, log);
  } catch (e) {
    const msg = isLakehouseError(e) ? e.describe() : ((e as Error)?.message ?? String(e));
    log.error(msg, isLakehouseError(e) ? { code: e.code } : {});
    return isLakehouseError(e) && (e.code === "CONFIG_INVALID" || e.code === "UNSUPPORTED") ? 2 : 1;
  }
}

async function runWorker(f: WorkerFlags, name: string, log: Logger): Promise<number> {
  // Loaded here, not at the top: `--help` and flag errors should not wait for every plugin to load.
  const { checkDownloader } = await import("@crypto-lakehouse/runtime");
  const { startSyncWorker } = await import("@crypto-lakehouse/executor-bullmq");
  const url = f.queue ?? process.env.LAKEHOUSE_QUEUE;
  if (!url)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "No queue given: pass --queue redis://HOST:PORT (or set LAKEHOUSE_QUEUE)",
    );
  if (f.downloader) checkDownloader(f.downloader);
  const metrics = new WorkerMetrics();
  const { worker, runtimes } = await startBatches(url, f, name, log, metrics);
  // Scheduled syncs (`lakehouse sync --every … --queue …`), one at a time beside the batches.
  const syncs = await startSyncWorker({
    queue: url,
    name,
    logger: log,
    run: (data) => runScheduledSync(data, log),
  });
  const sampler = setInterval(() => {
    metrics.running = worker.running;
  }, 250);
  const server = await startMetrics(f, metrics, worker, log);
  const sig = await stopSignal(worker, log);
  log.info("shutting down: finishing the current batches first", {
    signal: sig,
    running: worker.running,
    timeoutSeconds: f.shutdownTimeout,
  });
  await Promise.all([worker.close({ timeoutMs: f.shutdownTimeout * 1000 }), syncs.close()]);
  clearInterval(sampler);
  await runtimes.disposeAll();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  log.info("worker stopped", metrics.snapshot());
  return 0;
}

/** The batch consumer: each job runs in the runtime of its run (cached per run), counted in `metrics`. */
async function startBatches(
  url: string,
  f: WorkerFlags,
  name: string,
  log: Logger,
  metrics: WorkerMetrics,
): Promise<{ worker: QueueWorker; runtimes: RuntimeCache }> {
  const { runtimeFor } = await import("./kinds.js");
  const { startQueueWorker } = await import("@crypto-lakehouse/executor-bullmq");
  const runtimes = createRuntimeCache((job) =>
    runtimeFor(job, {
      logger: log.child({ runId: job.runId }),
      ...(f.downloader ? { downloader: f.downloader } : {}),
      ...(f.concurrency ? { concurrency: f.concurrency } : {}),
    }),
  );
  const worker = await startQueueWorker({
    queue: url,
    processorFor: (job) => runtimes.processorFor(job),
    batches: f.batches,
    lockDurationMs: f.lockDuration,
    stalledIntervalMs: f.stalledInterval,
    name,
    logger: log,
    hooks: {
      onFile: (r) => metrics.onFile(r.outcome),
      onBytes: (n) => {
        metrics.bytes += n;
      },
      onBatch: (e, results) => {
        metrics.onBatch(e, results);
        metrics.lastWaitMs = e.waitedMs;
      },
    },
  });
  return { worker, runtimes };
}

/** The Prometheus endpoint, with --metrics-port. */
async function startMetrics(
  f: WorkerFlags,
  metrics: WorkerMetrics,
  worker: QueueWorker,
  log: Logger,
): Promise<Server | undefined> {
  if (f.metricsPort === undefined) return undefined;
  const server = await serveMetrics(metrics, () => worker.stats(), f.metricsPort, f.metricsHost);
  const addr = server.address();
  log.info("metrics endpoint listening", {
    url: `http://${f.metricsHost}:${typeof addr === "object" && addr ? addr.port : f.metricsPort}/metrics`,
  });
  return server;
}

/**
 * Resolves with the first SIGTERM/SIGINT: take no new batch, finish the current one (hand it back after
 * --shutdown-timeout). A second one hands it back at once.
 */
function stopSignal(worker: Pick<QueueWorker, "handBack">, log: Logger): Promise<string> {
  return new Promise<string>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string) => {
      signals++;
      if (signals === 1) resolve(sig);
      else {
        log.warn("second signal: handing the current batches back now", { signal: sig });
        worker.handBack();
      }
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
  });
}

/** One scheduled sync: the lakehouse's config resolved here (credentials from this worker's environment). */
async function runScheduledSync(data: SyncJobData, log: Logger): Promise<unknown> {
  const { resolveLake, resolveRun, syncResolved } = await import("@crypto-lakehouse/runtime");
  // Without its own selection the sync follows what the lakehouse follows: only its settings are resolved.
  const run = data.explicit ? await resolveRun(data.config) : await resolveLake(data.config);
  const r = await syncResolved(run, { explicit: data.explicit, logger: log.child({ schedule: data.id }) });
  const s = r.summary;
  log.info("scheduled sync finished", {
    schedule: data.id,
    runId: s?.runId,
    status: s?.status,
    counts: s?.counts,
  });
  return { runId: s?.runId, status: s?.status, counts: s?.counts, bytes: s?.bytes };
}
