// The silver build: list bronze, decide what is new or changed (plan.ts), convert it — in this process (zips
// extracted ahead while DuckDB converts chunks of small files, converter.ts) or on queue workers (queued.ts) —
// and record states, quality reports and the run summary (run.ts).
import { randomBytes } from "node:crypto";
import { checkRunId, type StorageBackend } from "@crypto-lakehouse/core";
import { convertSteps } from "./converter.js";
import { DEFAULT_MARKETS } from "./markets.js";
import { listTables, planSteps, type Table } from "./plan.js";
import { runQueued } from "./queued.js";
import { SilverRun } from "./run.js";
import type { ConvertOptions, SilverRunSummary, SilverSelection } from "./types.js";

export function newSilverRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

export async function convertBronze(
  storage: StorageBackend,
  selection: SilverSelection = {},
  opts: ConvertOptions = {},
): Promise<SilverRunSummary> {
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId !== undefined ? checkRunId(opts.runId) : newSilverRunId(now());
  const run = new SilverRun(storage, runId, selection, opts);
  await storage.checkWritable();
  const tables: Table[] = await listTables(storage, opts.markets ?? DEFAULT_MARKETS, selection, run.notes);
  run.planned(tables);
  try {
    const steps = planSteps(run, tables);
    if (opts.queue) await runQueued(run, steps, opts.queue, opts);
    else await convertSteps(storage, steps, (w, o) => run.record(w, o), { ...opts, runId });
  } finally {
    await run
      .flush()
      .catch((e) => run.logger.error("could not save silver state", { error: (e as Error).message }));
  }
  return run.summarize();
}

export { cleanDuckError } from "./duck.js";
