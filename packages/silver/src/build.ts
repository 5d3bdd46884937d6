// The silver build: list bronze, decide what is new or changed (plan.ts), convert it — in this process (zips
// extracted ahead while DuckDB converts chunks of small files, converter.ts) or on queue workers (queued.ts) —
// and record states, quality reports and the run summary (run.ts).
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRunId, META, type StorageBackend, stagingName } from "@crypto-lakehouse/core";
import { runAhead, type Step } from "./ahead.js";
import { CHUNK_FILES, Converter, type ItemOutcome, type Prepared } from "./converter.js";
import { openDuck } from "./duck.js";
import { DEFAULT_MARKETS } from "./markets.js";
import { listTables, planSteps, type Table, type Work } from "./plan.js";
import { SilverRun } from "./run.js";
import type { ConvertOptions, SilverRunSummary, SilverSelection } from "./types.js";

export function newSilverRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

/** Extracted CSV that may wait for DuckDB (on scratch disk), and how many files: a whole chunk, and the next. */
const AHEAD_BYTES = 256 * 1024 * 1024;
const AHEAD_FILES = CHUNK_FILES;

/**
 * Scratch folder of one process's conversions. Named like collect's staging (`…-<host>-<pid>`), so the
 * stale-staging clean-up knows whose it is and when it is orphaned.
 */
export async function scratchDir(storage: StorageBackend, runId: string, tempDir?: string): Promise<string> {
  const scratch = stagingName(`silver-${runId}`);
  const dir = tempDir
    ? join(tempDir, scratch)
    : (storage.localPath?.(`${META}/staging/${scratch}`) ?? join(tmpdir(), "crypto-lakehouse", scratch));
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Converts in this process: one producer extracts zips ahead, the consumer hands them to the converter in chunks;
 * a task of the plan (state, reports) waits until every file before it is converted and stored.
 */
export async function convertSteps(
  storage: StorageBackend,
  steps: AsyncIterable<Step<Work>>,
  onDone: (w: Work, o: ItemOutcome) => void,
  opts: ConvertOptions & { runId: string },
): Promise<void> {
  const workDir = await scratchDir(storage, opts.runId, opts.tempDir);
  const duck = await openDuck({
    threads: opts.threads ?? 1,
    memoryLimitMb: opts.memoryLimitMb ?? 256,
    tempDirectory: join(workDir, "duckdb"),
  });
  const converter = new Converter<Work>({
    storage,
    duck,
    workDir,
    compression: opts.compression ?? "snappy",
    now: (opts.now ?? (() => new Date()))(),
    onDone,
  });
  async function* ordered(): AsyncGenerator<Step<Work>> {
    // A task (state, a table report) waits until every file before it is converted and stored.
    for await (const step of steps) {
      if ("work" in step) yield step;
      else
        yield {
          ...step,
          task: async () => {
            await converter.end();
            await step.task();
          },
        };
    }
  }
  try {
    await runAhead<Work, Prepared<Work>>(ordered(), {
      prepare: (w) => converter.prepare(w),
      size: Converter.size,
      consume: (p) => converter.add(p),
      discard: Converter.discard,
      budgetBytes: AHEAD_BYTES,
      budgetItems: AHEAD_FILES,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    await converter.end(opts.signal?.aborted);
  } finally {
    await converter.end(true).catch(() => {});
    duck.close();
    await rm(workDir, { recursive: true, force: true });
  }
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
    await convertSteps(storage, steps, (w, o) => run.record(w, o), { ...opts, runId });
  } finally {
    await run
      .flush()
      .catch((e) => run.logger.error("could not save silver state", { error: (e as Error).message }));
  }
  return run.summarize();
}

export { cleanDuckError } from "./duck.js";
