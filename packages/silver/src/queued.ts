// Silver on queue workers (`lakehouse silver --queue`): the plan's files go out in batches through the executor that
// collect uses (BullMQ: `lakehouse-worker`s convert them with the same converter, job kind `silver`), and each file's
// outcome and report come back and are recorded here — states, table reports and the summary as in-process.
// Kill-safe by construction: a part is stored atomically under a key fixed by its bronze file, so a batch taken over
// from a killed worker writes the same parts again, and only the submitter writes state.
import { createHash } from "node:crypto";
import type { Batch, FileResult, KindJob } from "@crypto-lakehouse/core";
import type { Step } from "./ahead.js";
import type { ItemOutcome } from "./converter.js";
import { createSilverProcessor, SILVER_JOB, type SilverDetail, type SilverJobSpec, tableId } from "./job.js";
import type { Work } from "./plan.js";
import type { SilverRun } from "./run.js";
import type { ConvertOptions, QueuedSilver } from "./types.js";

/** Zips from this size travel alone in their batch. */
const LARGE = 32 * 1024 * 1024;

/**
 * Runs the plan: its files are batched and handed to the executor; a fence (daily files planned after the monthly
 * ones are converted) waits for every result before it, other tasks (table reports) run once their files are in.
 */
export async function runQueued(
  run: SilverRun,
  steps: AsyncIterable<Step<Work>>,
  q: QueuedSilver,
  opts: ConvertOptions,
): Promise<void> {
  const pending: Work[] = [];
  const deferred: (() => Promise<void>)[] = [];
  const settle = async () => {
    if (pending.length) await dispatch(run, pending.splice(0), q, opts);
    for (const task of deferred.splice(0)) await task();
  };
  for await (const step of steps) {
    if ("work" in step) pending.push(step.work);
    else if (step.fence) {
      await settle();
      await step.task();
    } else deferred.push(step.task);
  }
  if (run.signal?.aborted) pending.length = 0;
  await settle();
}

function batchIdOf(runId: string, works: readonly Work[]): string {
  const h = createHash("sha256");
  for (const w of works) h.update(w.src.key).update("\n");
  return `${runId}-${h.digest("hex").slice(0, 16)}`;
}

/** Batches of one table's files, up to `size` files; a large file alone. */
async function* batchesOf(runId: string, works: readonly Work[], size: number): AsyncGenerator<Batch> {
  let index = 0;
  let batch: Work[] = [];
  const cut = () => {
    const b: Batch = { id: batchIdOf(runId, batch), index: index++, files: batch.map((w) => w.src) };
    batch = [];
    return b;
  };
  for (const w of works) {
    const alone = w.src.size >= LARGE;
    if (batch.length && (alone || batch.length >= size || batch[0]!.schema !== w.schema)) yield cut();
    batch.push(w);
    if (alone) yield cut();
  }
  if (batch.length) yield cut();
}

/** A worker's result as the converter's outcome. */
function outcomeOf(r: FileResult): ItemOutcome {
  const d = r.detail as SilverDetail | undefined;
  if (r.outcome === "downloaded" && d?.report) return { converted: d };
  return { error: r.reason ?? `not converted (${r.outcome})` };
}

async function dispatch(run: SilverRun, works: Work[], q: QueuedSilver, opts: ConvertOptions): Promise<void> {
  const byKey = new Map(works.map((w) => [w.src.key, w]));
  const tables: SilverJobSpec["tables"] = {};
  for (const w of works) tables[tableId(w.src.market, w.src.dataType)] = w.schema;
  const spec: SilverJobSpec = {
    v: 1,
    tables,
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.memoryLimitMb ? { memoryLimitMb: opts.memoryLimitMb } : {}),
    ...(opts.compression ? { compression: opts.compression } : {}),
  };
  const job: KindJob = {
    kind: SILVER_JOB,
    runId: run.runId,
    storage: q.storage,
    ...(q.plugins?.length ? { plugins: q.plugins } : {}),
    spec,
  };
  // An executor that runs batches in this process (in-process) uses the same processor as the workers.
  const local = createSilverProcessor(run.storage, spec, {
    runId: run.runId,
    logger: run.logger,
    ...(opts.tempDir ? { tempDir: opts.tempDir } : {}),
  });
  run.logger.info("silver batches go to the queue", { files: works.length });
  await q.executor.run({
    runId: run.runId,
    batches: batchesOf(run.runId, works, q.batchFiles ?? 64),
    processor: local,
    job,
    concurrency: 1,
    ...(run.signal ? { signal: run.signal } : {}),
    onFile: (r) => {
      const w = byKey.get(r.file.key);
      if (!w) return;
      byKey.delete(r.file.key);
      run.record(w, outcomeOf(r));
    },
  });
}
