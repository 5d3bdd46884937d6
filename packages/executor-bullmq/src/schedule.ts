// Repeatable `lakehouse sync` on the queue: a BullMQ job scheduler per lakehouse (`sync --every 1h --queue …`) puts a
// sync job on the `<queue>-sync` queue at each interval, and every `lakehouse-worker` takes them (one at a time)
// and runs the sync there — no cron needed. `lakehouse runs` lists the schedulers; `sync --every off` or
// `lakehouse cancel <id>` removes one.
import { createHash } from "node:crypto";
import {
  LakehouseError,
  type Logger,
  redactUrlsIn,
  type SyncSchedule,
  type SyncScheduleSpec,
  silentLogger,
} from "@crypto-lakehouse/core";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { assertReachable, connect, disconnect, quiet } from "./connection.js";
import { type BullmqOptions, type ResolvedBullmqOptions, resolveOptions } from "./options.js";

/** What a scheduled sync job carries: the lakehouse's config (no secrets: workers use their own environment). */
export interface SyncJobData extends SyncScheduleSpec {
  v: 1;
  /** The scheduler's id (`sync-<hash of the output>`). */
  id: string;
}

const syncQueueName = (o: ResolvedBullmqOptions) => `${o.queue}-sync`;

/** The scheduler id of a lakehouse: stable, so scheduling it again updates it instead of adding another. */
export function syncScheduleId(output: string): string {
  return `sync-${createHash("sha256").update(output).digest("hex").slice(0, 12)}`;
}

async function withQueue<T>(queue: string | BullmqOptions, fn: (q: Queue) => Promise<T>): Promise<T> {
  const o = resolveOptions(queue);
  const redis = connect(o.url);
  try {
    await assertReachable(redis, o.url);
    const q = quiet(new Queue(syncQueueName(o), { connection: redis, prefix: o.prefix }));
    try {
      return await fn(q);
    } finally {
      await q.close().catch(() => {});
    }
  } finally {
    await disconnect(redis);
  }
}

/** Registers (or updates) the repeatable sync of `data.output` every `everyMs`; the first job is due at once. */
export async function scheduleSync(
  queue: string | BullmqOptions,
  everyMs: number,
  data: SyncScheduleSpec,
): Promise<SyncSchedule> {
  const id = syncScheduleId(data.output);
  await withQueue(queue, (q) =>
    q.upsertJobScheduler(
      id,
      { every: everyMs, immediately: true },
      {
        name: "sync",
        data: { v: 1, id, ...data } satisfies SyncJobData,
        opts: { removeOnComplete: 100, removeOnFail: 100 },
      },
    ),
  );
  return { id, output: data.output, everyMs, explicit: data.explicit };
}

/** Removes a sync scheduler (by id, or by the lakehouse's output); false when there was none. */
export async function unscheduleSync(queue: string | BullmqOptions, idOrOutput: string): Promise<boolean> {
  const id = idOrOutput.startsWith("sync-") ? idOrOutput : syncScheduleId(idOrOutput);
  return withQueue(queue, (q) => q.removeJobScheduler(id));
}

export async function listSyncSchedules(queue: string | BullmqOptions): Promise<SyncSchedule[]> {
  return withQueue(queue, async (q) => {
    const all = await q.getJobSchedulers(0, -1, true);
    return all.flatMap((s) => {
      const d = s.template?.data as SyncJobData | undefined;
      if (d?.v !== 1) return [];
      return [
        {
          id: s.key,
          output: d.output,
          everyMs: Number(s.every ?? 0),
          ...(s.next !== undefined ? { next: Number(s.next) } : {}),
          ...(s.iterationCount !== undefined ? { iterations: Number(s.iterationCount) } : {}),
          explicit: d.explicit,
        },
      ];
    });
  });
}

export interface SyncWorker {
  close(): Promise<void>;
}

/** Takes scheduled sync jobs off `<queue>-sync`, one at a time, and runs each with `run` (the worker's sync). */
export async function startSyncWorker(opts: {
  queue: string | BullmqOptions;
  run: (data: SyncJobData, job: Job) => Promise<unknown>;
  name?: string;
  logger?: Logger;
}): Promise<SyncWorker> {
  const o = resolveOptions(opts.queue);
  const log = opts.logger ?? silentLogger;
  const conn = connect(o.url);
  try {
    await assertReachable(conn, o.url);
  } catch (e) {
    await disconnect(conn);
    throw e;
  }
  const worker = new Worker<SyncJobData>(
    syncQueueName(o),
    async (job) => {
      if (job.data?.v !== 1) throw new UnrecoverableError("not a sync job this worker understands");
      log.info("scheduled sync started", { schedule: job.data.id, output: job.data.output, job: job.id });
      try {
        return await opts.run(job.data, job);
      } catch (e) {
        const msg = redactUrlsIn(e instanceof LakehouseError ? e.describe() : (e as Error).message);
        log.error("scheduled sync failed", { schedule: job.data.id, error: msg });
        throw new Error(msg);
      }
    },
    { connection: conn, prefix: o.prefix, concurrency: 1, ...(opts.name ? { name: opts.name } : {}) },
  );
  worker.on("error", (e) => log.warn("sync queue error", { error: e.message }));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await disconnect(conn);
    },
  };
}
