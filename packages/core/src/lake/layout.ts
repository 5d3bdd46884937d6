// Where things live in the lakehouse (README → "Lakehouse layout"), for every storage backend.
import { hostname } from "node:os";
import { LakehouseError } from "../errors.js";
import type { ArchiveFile } from "../model/types.js";

export function basename(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** `bronze/<market>/<dataType>/<partition>/<SYMBOL>/[<interval>/]<file>.zip` */
export function bronzeKey(f: ArchiveFile): string {
  return `${bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval)}${basename(f.key)}`;
}

export function bronzeFolder(
  market: string,
  dataType: string,
  partition: string,
  symbol: string,
  interval?: string,
): string {
  return `bronze/${market}/${dataType}/${partition}/${symbol}/${interval ? `${interval}/` : ""}`;
}

export const META = "_meta";

/** The record of a stored, verified file. */
export function fileRecordKey(bronze: string): string {
  return `${META}/files/${bronze}.json`;
}

export function fileRecordFolder(bronzeFolderKey: string): string {
  return `${META}/files/${bronzeFolderKey}`;
}

/**
 * What a run id may be: it names a file (`_meta/runs/<id>.json`), a staging folder and BullMQ job ids, so no '/',
 * '..', ':' or spaces — letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Throws CONFIG_INVALID (exit 2) for a run id that cannot name a run's files, with the rule. */
export function checkRunId(runId: string, field = "--run-id"): string {
  if (!RUN_ID_PATTERN.test(runId) || runId.includes("..")) {
    throw new LakehouseError("CONFIG_INVALID", `${field}: ${JSON.stringify(runId)} is not a valid run id`, {
      details: [
        "A run id is 1–100 characters: letters, digits, '.', '_' and '-', starting with a letter or digit, no '..' " +
          `(pattern ${RUN_ID_PATTERN.source}), e.g. 20250601-backfill.`,
      ],
    });
  }
  return runId;
}

export function runSummaryKey(runId: string): string {
  return `${META}/runs/${runId}.json`;
}

export function quarantineKey(runId: string, bronze: string): string {
  return `${META}/quarantine/${runId}/${bronze}`;
}

/** Where runs and queue workers stage downloads, one folder each (see `createStagingDir`). */
export const STAGING = `${META}/staging`;

/**
 * A machine's name as it appears in staging folder names: anything but `[A-Za-z0-9.]` becomes `_`, so `-` only
 * ever separates the name's fields and the name parses back unambiguously.
 */
export function stagingHost(name: string = hostname()): string {
  return name.replace(/[^A-Za-z0-9.]/g, "_").slice(0, 64) || "_";
}

/** `<runId>-<host>-<pid>`: the folder names the process that owns it, so a later run can clear a killed one's. */
export function stagingName(runId: string, host: string = stagingHost(), pid: number = process.pid): string {
  return `${runId}-${host}-${pid}`;
}

/** The owner a staging folder's name records, or undefined for other names (older versions: `<runId>`). */
export function parseStagingName(name: string): { runId: string; host: string; pid: number } | undefined {
  const m = /^(.+)-([A-Za-z0-9._]+)-(\d{1,10})$/.exec(name);
  if (!m) return undefined;
  const pid = Number(m[3]);
  return pid > 0 && pid <= 0x7fffffff ? { runId: m[1]!, host: m[2]!, pid } : undefined;
}

/** This process's staging folder for `runId`, as a lakehouse key. */
export function stagingKey(runId: string): string {
  return `${STAGING}/${stagingName(runId)}`;
}

/** A writer on another host is only judged by idle time: its pid cannot be probed from here. */
export const STALE_OTHER_HOST_MS = 10 * 60_000;
/** Leftovers that name no writer (older versions) are only judged by idle time, conservatively. */
export const STALE_UNOWNED_MS = 24 * 60 * 60_000;

/** Whether a process with this pid runs on this machine (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Whether the process that left a staging folder or temp file is gone, so what it left can be removed: on this
 * host, its pid is not alive; on another, its pid is not alive here and nothing touched it for 10 minutes; with
 * no recorded writer, nothing touched it for 24 hours. `idleMs`: time since it was last modified.
 */
export function writerGone(writer: { host: string; pid: number } | undefined, idleMs: number): boolean {
  if (!writer) return idleMs >= STALE_UNOWNED_MS;
  if (processAlive(writer.pid)) return false;
  return writer.host === stagingHost() || idleMs >= STALE_OTHER_HOST_MS;
}
