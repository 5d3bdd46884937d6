// The submitting side: queues one BullMQ job per batch (id = the batch's stable id) and follows the run live,
// turning the workers' progress and results back into `onFile` / `onBytes` calls for the usual progress display.
import { hostname } from "node:os";
import {
  type ArchiveFile,
  type Batch,
  type Executor,
  type ExecutorRunInput,
  isLakehouseError,
  LakehouseError,
  type Logger,
  type PluginDeps,
  redactUrlsIn,
  silentLogger,
} from "@crypto-lakehouse/core";
import { type Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { assertReachable, connect, disconnect, quiet } from "./connection.js";
import {
  type BatchJobData,
  type BatchJobResult,
  type BatchProgress,
  jobOptions,
  runKey,
  runOfJobId,
  runsIndexKey,
} from "./jobs.js";
import { type BullmqOptions, type ResolvedBullmqOptions, redactUrl, resolveOptions } from "./options.js";
import { addRunCounts, markRunFailed, runStatus } from "./runs.js";
import { stripSecrets } from "./secrets.js";
import { BatchTracker } from "./tracker.js";

type BatchQueue = Queue<BatchJobData, BatchJobResult>;

function parseResult(v: unknown): BatchJobResult | undefined {
  const r = typeof v === "string" ? (JSON.parse(v) as unknown) : v;
  return r && typeof r === "object" && Array.isArray((r as BatchJobResult).results)
    ? (r as BatchJobResult)
    : undefined;
}

const UNFINISHED = ["waiting", "prioritized", "delayed", "active"] as const;

class RunFollower {
  /** file key → id of an unfinished job queued by an earlier submission of this run. */
  private readonly adopted = new Map<string, string>();
  private cancelled = false;
  private reconciling: Promise<void> | undefined;

  /** The jobs this submitter waits for, and what it reported of them. */
  private readonly jobs: BatchTracker;

  constructor(
    private readonly o: ResolvedBullmqOptions,
    private readonly input: ExecutorRunInput,
    private readonly redis: Redis,
    private readonly queue: BatchQueue,
    private readonly log: Logger,
  ) {
    this.jobs = new BatchTracker(input);
  }

  private get stopped(): boolean {
    return this.cancelled || Boolean(this.input.signal?.aborted);
  }

  private get key(): string {
    return runKey(this.o, this.input.runId);
  }

  async run(events: QueueEvents): Promise<void> {
    try {
      await this.follow(events);
    } catch (e) {
      await this.recordStop(e);
      throw e;
    }
  }

  /**
   * A submitter that stops with an error must not leave its run `running` forever: interrupted, the run is
   * cancelled as below; any other error marks it failed with the reason, and its batches not yet started are
   * removed (none runs unobserved, as in-process takes no new batch after an error). Batches already running
   * finish and keep their results, so `--run-id` re-submits only the rest. Best effort: the error itself is what
   * the caller must see, even when Redis is what broke.
   */
  private async recordStop(e: unknown): Promise<void> {
    if (isLakehouseError(e, "CANCELLED")) return; // the flag is set already
    const { runId, signal } = this.input;
    let timer: NodeJS.Timeout | undefined;
    const record = async () => {
      if (signal?.aborted) {
        const { removed } = await cancelQueued(this.redis, this.queue, this.o, runId);
        this.log.warn("run interrupted; its queued batches were removed", { removed });
        return;
      }
      const reason = e instanceof Error ? e.message : String(e);
      if (!(await markRunFailed(this.redis, this.o, runId, reason))) return;
      const removed = await removeNotStarted(this.queue, runId);
      this.log.info("run marked failed in the queue; its batches not started were removed", { removed });
    };
    try {
      if (this.redis.status !== "ready") throw new Error(`the connection is ${this.redis.status}`);
      await Promise.race([
        record(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("no answer within 5000 ms")), 5_000);
        }),
      ]);
    } catch (err) {
      this.log.warn("could not mark the run failed in the queue (it may still show as running)", {
        error: redactUrlsIn((err as Error).message),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async follow(events: QueueEvents): Promise<void> {
    const { runId, signal } = this.input;
    events.on("completed", ({ jobId, returnvalue }) => this.jobs.settle(jobId, parseResult(returnvalue)));
    events.on("failed", ({ jobId, failedReason }) => void this.onFailedEvent(jobId, failedReason));
    events.on("progress", ({ jobId, data }) => this.jobs.onProgress(jobId, data as unknown as BatchProgress));
    const onAbort = () => this.jobs.wake.notify();
    signal?.addEventListener("abort", onAbort);

    const existed = (await this.redis.exists(this.key)) === 1;
    // A re-submission (`--run-id`) of a failed or cancelled run runs again: its old ending no longer holds.
    if (existed) await this.redis.hdel(this.key, "error", "finishedAt");
    await this.touch({ status: "running", planComplete: "0", submitter: `${hostname()}:${process.pid}` });
    await this.redis.hsetnx(this.key, "startedAt", new Date().toISOString());
    await this.redis.zadd(runsIndexKey(this.o), "NX", Date.now(), runId);
    if (existed) await this.adoptUnfinished();

    const timer = setInterval(() => {
      this.reconciling ??= this.reconcile().finally(() => {
        this.reconciling = undefined;
      });
    }, this.o.pollMs);
    try {
      for await (const batch of this.input.batches) {
        while (!this.stopped && this.jobs.size >= this.o.maxQueuedBatches)
          await this.jobs.wake.wait(this.o.pollMs);
        if (this.stopped) break;
        await this.submit(batch);
      }
      if (!this.stopped) await this.touch({ planComplete: "1" });
      while (!this.stopped && this.jobs.size > 0) await this.jobs.wake.wait(this.o.pollMs);
    } finally {
      clearInterval(timer);
      signal?.removeEventListener("abort", onAbort);
      await this.reconciling;
    }

    // A cancel can also show up first as the failure of the batches it stopped.
    if (!this.cancelled && (await runStatus(this.redis, this.o, runId)) === "cancelled")
      this.cancelled = true;
    if (this.cancelled) {
      const left = this.jobs.unreported();
      throw new LakehouseError(
        "CANCELLED",
        `Run ${runId} was cancelled (lakehouse cancel); ${left} queued file(s) were not collected. ` +
          `Run the same collect with --run-id ${runId} to finish it.`,
      );
    }
    if (signal?.aborted) {
      // Stopping the submitter stops the run, as in-process: queued batches would otherwise run unobserved.
      const { removed } = await cancelQueued(this.redis, this.queue, this.o, runId);
      this.log.warn("run interrupted; its queued batches were removed", { removed });
      return;
    }
    await this.touch({ status: "completed", finishedAt: new Date().toISOString() });
  }

  private async touch(fields: Record<string, string>): Promise<void> {
    const now = new Date().toISOString();
    await this.redis.hset(this.key, {
      runId: this.input.runId,
      ...fields,
      updatedAt: now,
      heartbeatAt: String(Date.now()),
    });
    await this.redis.expire(this.key, this.o.keepSeconds);
  }

  /** Files an unfinished job of an earlier submission holds are awaited, not queued a second time. */
  private async adoptUnfinished(): Promise<void> {
    for (const type of UNFINISHED) {
      for (const id of await this.queue.getRanges([type], 0, -1)) {
        if (runOfJobId(id) !== this.input.runId) continue;
        const job = await this.queue.getJob(id);
        for (const f of job?.data.files ?? []) this.adopted.set(f.key, id);
      }
    }
    if (this.adopted.size)
      this.log.info("re-submission: following batches already queued", { files: this.adopted.size });
  }

  private async submit(batch: Batch): Promise<void> {
    const mine: ArchiveFile[] = [];
    for (const f of batch.files) {
      const owner = this.adopted.get(f.key);
      if (owner && owner !== batch.id) this.jobs.track(owner, [f]);
      else mine.push(f);
    }
    if (!mine.length) return;
    const id = batch.id;
    this.jobs.track(id, mine);
    const state = await this.queue.getJobState(id);
    if (state === "unknown") {
      const { job, dropped } = stripSecrets(this.input.job);
      if (dropped.length && batch.index === 0) {
        this.log.warn(
          "credentials are not sent to workers: credential fields are dropped and URL passwords masked (***), so " +
            "workers read credentials from their own environment, and a URL that needs a password will not work there",
          { dropped },
        );
      }
      const data: BatchJobData = { v: 1, runId: this.input.runId, index: batch.index, files: mine, job };
      await this.queue.add("batch", data, jobOptions(this.o, id));
      await this.redis.hincrby(this.key, "batches", 1);
      await this.redis.hincrby(this.key, "files", mine.length);
      return;
    }
    if (state === "completed" || state === "failed") {
      const job = await this.queue.getJob(id);
      if (!job) return; // removed meanwhile: reconcile reports it
      const result = parseResult(job.returnvalue);
      if (state === "completed" && result && !result.results.some((r) => r.outcome === "failed")) {
        // The same batch of this run already finished: its stored result stands, nothing runs again.
        this.jobs.settle(id, result);
        return;
      }
      await this.rerun(job, state, result);
    }
    // waiting, active, delayed…: queued by an earlier submission of this run; follow it.
  }

  /** Runs a finished batch again: it failed, or some of its files did (their retry is why the run was re-submitted). */
  private async rerun(
    job: Job<BatchJobData, BatchJobResult>,
    state: "completed" | "failed",
    result: BatchJobResult | undefined,
  ): Promise<void> {
    if (result) {
      await addRunCounts(this.redis, this.o, this.input.runId, result.results, -1);
      await job.updateData({ ...job.data, done: result.results.filter((r) => r.outcome !== "failed") });
    }
    await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    this.log.info("re-running a finished batch", { batch: job.id, was: state });
  }

  private async onFailedEvent(jobId: string, failedReason: string): Promise<void> {
    if (!this.jobs.has(jobId)) return;
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    this.jobs.settle(
      jobId,
      undefined,
      `batch failed after ${job?.attemptsMade ?? "?"} attempt(s): ${failedReason}`,
    );
  }

  /** Catches whatever the event stream missed, checks for cancellation, and keeps the heartbeat. */
  private async reconcile(): Promise<void> {
    try {
      await this.touch({});
      if ((await runStatus(this.redis, this.o, this.input.runId)) === "cancelled") {
        this.cancelled = true;
        this.jobs.wake.notify();
        return;
      }
      const due = this.jobs.due(this.o.pollMs);
      await Promise.all(
        due.map(async (id) => {
          const state = await this.queue.getJobState(id);
          if (state === "completed") {
            const job = await this.queue.getJob(id);
            this.jobs.settle(id, parseResult(job?.returnvalue));
          } else if (state === "failed") {
            const job = await this.queue.getJob(id);
            this.jobs.settle(
              id,
              undefined,
              `batch failed after ${job?.attemptsMade ?? "?"} attempt(s): ${job?.failedReason ?? "unknown error"}`,
            );
          } else if (state === "unknown") {
            this.jobs.settle(id, undefined, "the batch's job was removed from the queue before it finished");
          }
        }),
      );
    } catch (e) {
      this.log.warn("could not reconcile with the queue; retrying", { error: (e as Error).message });
    }
  }
}

/** Removes a run's batches that have not started (a batch a worker has just locked stays; it checks the flag). */
async function removeNotStarted(queue: BatchQueue, runId: string): Promise<number> {
  let removed = 0;
  for (const type of ["waiting", "prioritized", "delayed"] as const) {
    for (const id of await queue.getRanges([type], 0, -1)) {
      if (runOfJobId(id) === runId) removed += await queue.remove(id).catch(() => 0);
    }
  }
  return removed;
}

/** Removes a run's batches that have not started and marks it cancelled. */
export async function cancelQueued(
  redis: Redis,
  queue: BatchQueue,
  o: ResolvedBullmqOptions,
  runId: string,
): Promise<{ removed: number }> {
  const now = new Date().toISOString();
  await redis.hset(runKey(o, runId), { status: "cancelled", cancelledAt: now, updatedAt: now });
  return { removed: await removeNotStarted(queue, runId) };
}

export function createBullmqExecutor(
  options: BullmqOptions | string,
  deps: Partial<PluginDeps> = {},
): Executor {
  const o = resolveOptions(options);
  const logger = deps.logger ?? silentLogger;
  return {
    kind: "executor",
    id: "bullmq",
    async run(input) {
      if (input.runId.includes(":")) {
        throw new LakehouseError(
          "CONFIG_INVALID",
          `Run id '${input.runId}' contains ':', which BullMQ job ids may not; choose another --run-id`,
        );
      }
      // `collect` hands plugins a logger bound to the run already; others (verify's repair) do not. The CLI's and
      // the worker's loggers drop a binding repeated with the same value, so the run id is named once either way.
      const log = logger.child({ runId: input.runId, queue: o.queue });
      const lost = (e: Error) => log.warn("lost the connection to Redis; reconnecting", { error: e.message });
      const redis = connect(o.url, lost);
      const eventsConn = connect(o.url);
      const queue: BatchQueue = quiet(new Queue(o.queue, { connection: redis, prefix: o.prefix }));
      let events: QueueEvents | undefined;
      try {
        await assertReachable(redis, o.url);
        // Read the event stream from its current end, so nothing published after this point is missed.
        const last = await redis.xrevrange(`${o.prefix}:${o.queue}:events`, "+", "-", "COUNT", 1);
        events = quiet(
          new QueueEvents(o.queue, {
            connection: eventsConn,
            prefix: o.prefix,
            lastEventId: last[0]?.[0] ?? "0-0",
          }),
        );
        await events.waitUntilReady();
        log.info("following the run through the queue", { redis: redactUrl(o.url) });
        await new RunFollower(o, input, redis, queue, log).run(events);
      } finally {
        await events?.close().catch(() => {});
        await queue.close().catch(() => {});
        await disconnect(redis, eventsConn);
      }
    },
  };
}
