// Reads the run summaries kept under _meta/runs/ (what `lakehouse runs` shows), from any storage backend.
import type { RunSummary, StorageBackend } from "@crypto-lakehouse/core";
import { LakehouseError, META, redactSecrets, runSummaryKey } from "@crypto-lakehouse/core";

const RUNS_FOLDER = `${META}/runs/`;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ListRunsOptions {
  /** Summaries read at once (default 8). */
  concurrency?: number;
  /** Called for a summary that cannot be read or parsed; it is left out of the result. */
  onError?: (key: string, error: Error) => void;
}

function parseSummary(key: string, data: Buffer): RunSummary {
  const v = JSON.parse(data.toString("utf8")) as RunSummary;
  if (!v || typeof v !== "object" || typeof v.runId !== "string" || typeof v.counts !== "object") {
    throw new Error(`${key} is not a run summary`);
  }
  // Summaries written before credentials were masked in them must not show any either.
  return redactSecrets(v);
}

/** Newest first: by start time, then run id. */
export function compareRunsNewestFirst(a: RunSummary, b: RunSummary): number {
  return b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId);
}

/** Every run summary in the store, newest first. */
export async function listRunSummaries(
  storage: StorageBackend,
  opts: ListRunsOptions = {},
): Promise<RunSummary[]> {
  const keys: string[] = [];
  for await (const o of storage.list(RUNS_FOLDER)) {
    const rest = o.key.slice(RUNS_FOLDER.length);
    if (!rest.includes("/") && rest.endsWith(".json")) keys.push(o.key);
  }
  const out: RunSummary[] = [];
  let next = 0;
  const lane = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        const data = await storage.read(key);
        if (data) out.push(parseSummary(key, data));
      } catch (e) {
        if (!opts.onError) throw e;
        opts.onError(key, e as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, lane));
  return out.sort(compareRunsNewestFirst);
}

/** One run's summary, or undefined when the store has none under that id. */
export async function readRunSummary(
  storage: StorageBackend,
  runId: string,
): Promise<RunSummary | undefined> {
  if (!RUN_ID.test(runId)) {
    throw new LakehouseError("CONFIG_INVALID", `'${runId}' is not a run id (like 20250716T101500Z-a1b2c3)`);
  }
  const key = runSummaryKey(runId);
  const data = await storage.read(key);
  if (!data) return undefined;
  try {
    return parseSummary(key, data);
  } catch (e) {
    throw new LakehouseError(
      "STORAGE_FAILED",
      `Run summary ${key} in ${storage.location} is unreadable: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}
