// What travels through Redis: batch job data, compact per-file results, and the key names we add beside BullMQ's.
import {
  type ArchiveFile,
  type FileResult,
  type Outcome,
  type QueueJob,
  redactUrlsIn,
} from "@crypto-lakehouse/core";
import type { ResolvedBullmqOptions } from "./options.js";

/** A file's result as stored in Redis: the key stands for the file (the submitter holds the files). */
export interface StoredResult {
  key: string;
  outcome: Outcome;
  bytes: number;
  ms: number;
  attempts?: number;
  reason?: string;
  /** The job kind's own result for the file (e.g. a silver file's report). */
  detail?: unknown;
}

export interface BatchJobData {
  v: 1;
  runId: string;
  index: number;
  files: ArchiveFile[];
  /** What the worker builds its processor from (`kind` picks the factory; none = collect). */
  job: QueueJob;
  /** Results kept from earlier attempts (everything but `failed`), so a retry only redoes what is left. */
  done?: StoredResult[];
}

export interface BatchJobResult {
  results: StoredResult[];
}

/** Live progress a worker publishes while a batch runs. */
export interface BatchProgress {
  bytes: number;
  /** Files finished since the previous progress message. */
  results: StoredResult[];
}

/** Reasons can be whole stack-ish messages; Redis keeps every result for days, so keep them short. */
const MAX_REASON = 300;

/** A reason fit for Redis: URLs' credentials masked before it is cut short, so no part of a password is kept. */
export function shortReason(text: string): string {
  const reason = redactUrlsIn(text);
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
}

export function toStored(r: FileResult): StoredResult {
  return {
    key: r.file.key,
    outcome: r.outcome,
    bytes: r.bytes,
    ms: Math.round(r.durationMs),
    ...(r.attempts !== undefined ? { attempts: r.attempts } : {}),
    ...(r.reason ? { reason: shortReason(r.reason) } : {}),
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
  };
}

export function fromStored(s: StoredResult, file: ArchiveFile): FileResult {
  return {
    file,
    outcome: s.outcome,
    bytes: s.bytes,
    durationMs: s.ms,
    ...(s.attempts !== undefined ? { attempts: s.attempts } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.detail !== undefined ? { detail: s.detail } : {}),
  };
}

/** Job ids are `<runId>-<16 hex>` (core's `batchId`); the run is everything before the last dash. */
const JOB_ID = /^(.+)-[0-9a-f]{16}$/;

export function runOfJobId(jobId: string): string | undefined {
  return JOB_ID.exec(jobId)?.[1];
}

export interface QueueNames {
  queue: string;
  prefix: string;
}

/** Our own per-run hash (status, counters), stored beside BullMQ's keys under the same prefix. */
export function runKey(o: QueueNames, runId: string): string {
  return `${o.prefix}:${o.queue}:lh-run:${runId}`;
}

/** Sorted set of run ids by start time, for `listQueuedRuns`. */
export function runsIndexKey(o: QueueNames): string {
  return `${o.prefix}:${o.queue}:lh-runs`;
}

export function jobOptions(o: ResolvedBullmqOptions, jobId: string) {
  return {
    jobId,
    attempts: o.attempts,
    backoff: { type: "exponential" as const, delay: o.backoffMs },
    // Finished jobs stay for `keepSeconds`: a re-submitted batch returns its stored result instead of running again.
    removeOnComplete: { age: o.keepSeconds },
    removeOnFail: { age: o.keepSeconds },
  };
}

export const RUN_STATUSES = ["running", "completed", "cancelled", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
