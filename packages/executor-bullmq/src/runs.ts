// Per-run state in Redis: status and counters (for `lakehouse runs`), the cancel flag, and cancelling a run.
import {
  type ExecutorRun,
  emptyCounts,
  LakehouseError,
  OUTCOMES,
  type OutcomeCounts,
} from "@crypto-lakehouse/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { assertReachable, connect, disconnect, quiet } from "./connection.js";
import {
  type QueueNames,
  type RunStatus,
  runKey,
  runOfJobId,
  runsIndexKey,
  type StoredResult,
  shortReason,
} from "./jobs.js";
import { type BullmqOptions, redactUrl, resolveOptions } from "./options.js";

/** Adds the results of a finished batch to its run's counters, only while the run's record exists. */
const ADD_COUNTS = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('hincrby', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

export function countsOf(results: readonly StoredResult[]): {
  files: number;
  bytes: number;
  counts: Partial<OutcomeCounts>;
} {
  const counts: Partial<OutcomeCounts> = {};
  let bytes = 0;
  for (const r of results) {
    counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    bytes += r.bytes;
  }
  return { files: results.length, bytes, counts };
}

/** `sign` -1 takes a batch's earlier result back out (when a finished batch is run again). */
export async function addRunCounts(
  redis: Redis,
  names: QueueNames,
  runId: string,
  results: readonly StoredResult[],
  sign: 1 | -1 = 1,
): Promise<void> {
  if (!results.length) return;
  const { files, bytes, counts } = countsOf(results);
  const args: (string | number)[] = ["done", sign * files, "bytes", sign * bytes];
  for (const [o, n] of Object.entries(counts)) args.push(`c:${o}`, sign * (n ?? 0));
  await redis.eval(ADD_COUNTS, 1, runKey(names, runId), ...args);
}

export async function runStatus(
  redis: Redis,
  names: QueueNames,
  runId: string,
): Promise<RunStatus | undefined> {
  return ((await redis.hget(runKey(names, runId), "status")) as RunStatus | null) ?? undefined;
}

/**
 * Marks a run failed with `reason` (its submitter stopped with an error): workers take none of its batches still
 * queued. A cancelled run stays cancelled. Returns false when the run has no record.
 */
const MARK_FAILED = `
local s = redis.call('hget', KEYS[1], 'status')
if not s then return 0 end
if s == 'cancelled' then return 1 end
redis.call('hset', KEYS[1], 'status', 'failed', 'error', ARGV[1], 'finishedAt', ARGV[2], 'updatedAt', ARGV[2])
return 1`;

export async function markRunFailed(
  redis: Redis,
  names: QueueNames,
  runId: string,
  reason: string,
): Promise<boolean> {
  const now = new Date().toISOString();
  return (await redis.eval(MARK_FAILED, 1, runKey(names, runId), shortReason(reason), now)) === 1;
}

/** A run whose remaining batches no worker should run: cancelled, or failed (its submitter stopped with an error). */
export function isStopped(status: RunStatus | "unknown" | undefined): boolean {
  return status === "cancelled" || status === "failed";
}

export interface QueuedRun {
  runId: string;
  /**
   * `running` while a submitter follows it (see `heartbeatAt`), then `completed`, `cancelled` or `failed` (its
   * submitter stopped with an error, see `error`); `unknown` when only jobs remain.
   */
  status: RunStatus | "unknown";
  /** Why a `failed` run failed (masked, short). */
  error?: string;
  startedAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  /** Last sign of life of the submitting `lakehouse collect` (ms since epoch). */
  heartbeatAt?: number;
  submitter?: string;
  /** True once the submitter has queued its last batch. */
  planComplete: boolean;
  /** Batches by BullMQ state, counted from the queue itself. */
  batches: NonNullable<ExecutorRun["batches"]>;
  /** Files put in jobs, and files the workers finished (any outcome). */
  files: { queued: number; done: number };
  counts: OutcomeCounts;
  bytes: number;
}

const STATES = [
  ["waiting", "waiting"],
  ["prioritized", "waiting"],
  ["active", "active"],
  ["delayed", "delayed"],
  ["completed", "completed"],
  ["failed", "failed"],
] as const;

/** Ids of every job in the queue, by coarse state (waiting includes prioritized). */
async function jobIdsByState(queue: Queue): Promise<Map<string, keyof QueuedRun["batches"]>> {
  const out = new Map<string, keyof QueuedRun["batches"]>();
  for (const [type, bucket] of STATES) {
    for (const id of await queue.getRanges([type], 0, -1)) out.set(id, bucket);
  }
  return out;
}

function toRun(runId: string, h: Record<string, string>): QueuedRun {
  const counts = emptyCounts();
  for (const o of OUTCOMES) counts[o] = Number(h[`c:${o}`] ?? 0);
  return {
    runId,
    status: (h.status as RunStatus | undefined) ?? "unknown",
    ...(h.startedAt ? { startedAt: h.startedAt } : {}),
    ...(h.updatedAt ? { updatedAt: h.updatedAt } : {}),
    ...(h.finishedAt ? { finishedAt: h.finishedAt } : {}),
    ...(h.status === "failed" && h.error ? { error: h.error } : {}),
    ...(h.heartbeatAt ? { heartbeatAt: Number(h.heartbeatAt) } : {}),
    ...(h.submitter ? { submitter: h.submitter } : {}),
    planComplete: h.planComplete === "1",
    batches: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, total: 0 },
    files: { queued: Number(h.files ?? 0), done: Number(h.done ?? 0) },
    counts,
    bytes: Number(h.bytes ?? 0),
  };
}

/** Progress of every run the queue knows (newest first): batches by state, files queued and done, outcome counts. */
export async function listQueuedRuns(url: string | BullmqOptions): Promise<QueuedRun[]> {
  const o = resolveOptions(url);
  const redis = connect(o.url);
  const queue = quiet(new Queue(o.queue, { connection: redis, prefix: o.prefix }));
  try {
    await assertReachable(redis, o.url);
    const ids = await redis.zrevrange(runsIndexKey(o), 0, -1);
    const runs = new Map<string, QueuedRun>();
    for (const runId of ids) {
      const h = await redis.hgetall(runKey(o, runId));
      if (Object.keys(h).length === 0) {
        await redis.zrem(runsIndexKey(o), runId); // its record expired with its jobs
        continue;
      }
      runs.set(runId, toRun(runId, h));
    }
    for (const [jobId, bucket] of await jobIdsByState(queue)) {
      const runId = runOfJobId(jobId);
      if (!runId) continue;
      let run = runs.get(runId);
      if (!run) {
        run = toRun(runId, {});
        runs.set(runId, run);
      }
      run.batches[bucket]++;
      run.batches.total++;
    }
    return [...runs.values()];
  } finally {
    await queue.close().catch(() => {});
    await disconnect(redis);
  }
}

export interface CancelResult {
  runId: string;
  /** Waiting and delayed batches taken off the queue. */
  removed: number;
  /** Batches being processed now; their workers stop them within about a second. */
  active: number;
  /** The run's status before this call. */
  previous: RunStatus | "unknown";
}

/** Marks a run cancelled (submitter and workers check the flag) and removes its batches that have not started. */
export async function cancelRun(url: string | BullmqOptions, runId: string): Promise<CancelResult> {
  const o = resolveOptions(url);
  const redis = connect(o.url);
  const queue = quiet(new Queue(o.queue, { connection: redis, prefix: o.prefix }));
  try {
    await assertReachable(redis, o.url);
    const key = runKey(o, runId);
    const previous = ((await redis.hget(key, "status")) as RunStatus | null) ?? "unknown";
    const ids = [...(await jobIdsByState(queue))].filter(([id]) => runOfJobId(id) === runId);
    if (previous === "unknown" && ids.length === 0) {
      throw new LakehouseError(
        "NOT_FOUND",
        `No run '${runId}' on the queue '${o.queue}' at ${redactUrl(o.url)}. See \`lakehouse runs --queue ${redactUrl(o.url)}\` for the runs it knows.`,
      );
    }
    const unfinished = ids.filter(([, b]) => b !== "completed" && b !== "failed");
    // A finished run keeps its status; a failed one's still-running batches can still be stopped.
    if ((previous === "completed" || previous === "failed") && unfinished.length === 0)
      return { runId, removed: 0, active: 0, previous };
    const now = new Date().toISOString();
    await redis.hset(key, { runId, status: "cancelled", cancelledAt: now, updatedAt: now });
    await redis.expire(key, o.keepSeconds);
    await redis.zadd(runsIndexKey(o), "NX", Date.now(), runId);
    let removed = 0;
    let active = 0;
    for (const [id, bucket] of unfinished) {
      if (bucket === "waiting" || bucket === "delayed") {
        // A job a worker has just locked cannot be removed; that worker sees the flag and stops it.
        removed += await queue.remove(id).catch(() => 0);
      } else if (bucket === "active") active++;
    }
    return { runId, removed, active, previous };
  } finally {
    await queue.close().catch(() => {});
    await disconnect(redis);
  }
}
