// An executor plugin: runs batches in this process through core's in-process executor and keeps a journal of
// them (a log line per run, and optionally one JSON line per batch in a file), so one can see it did the work.
// Its optional hooks answer `lakehouse runs --executor journal` (the runs in its journal) and `lakehouse cancel`
// (a cancel line in the journal) — the host knows nothing about it beyond the plugin contract.
import { existsSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import {
  type CancelResult,
  type Executor,
  type ExecutorPlugin,
  type ExecutorRun,
  LakehouseError,
  type PluginDeps,
} from "@crypto-lakehouse/core";
import { createInProcessExecutor } from "@crypto-lakehouse/engine";
import { z } from "zod";

const Options = z
  .object({
    /** File that gets one JSON line per finished batch: `{ executor, runId, batch, files: [{ key, outcome }] }`. */
    journal: z.string().min(1).optional(),
  })
  .strict();
export type JournalExecutorOptions = z.infer<typeof Options>;

export function createJournalExecutor(options: JournalExecutorOptions, { logger }: PluginDeps): Executor {
  const inner = createInProcessExecutor();
  return {
    kind: "executor",
    id: "journal",
    async run(input) {
      let batches = 0;
      let files = 0;
      await inner.run({
        ...input,
        processor: async (batch, ctx) => {
          const results = await input.processor(batch, ctx);
          batches++;
          files += results.length;
          if (options.journal) {
            const line = {
              executor: "journal",
              runId: input.runId,
              batch: batch.id,
              files: results.map((r) => ({ key: r.file.key, outcome: r.outcome })),
            };
            // One write per line: concurrent batches never interleave within a line.
            await appendFile(options.journal, `${JSON.stringify(line)}\n`);
          }
          return results;
        },
      });
      logger.info("journal executor: run done", { batches, files });
    },
  };
}

type JournalLine =
  | { executor: "journal"; runId: string; batch: string; files: { key: string; outcome: string }[] }
  | { cancelled: string; at: string };

function journalOf(options: JournalExecutorOptions): string {
  if (!options.journal) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      "executor journal: set its `journal` file to list or cancel runs",
    );
  }
  return options.journal;
}

async function readJournal(path: string): Promise<JournalLine[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalLine);
}

/** The runs in the journal, newest first: batches and files done, outcomes, cancelled or completed. */
export async function journalRuns(options: JournalExecutorOptions): Promise<ExecutorRun[]> {
  const runs = new Map<string, ExecutorRun & { counts: Record<string, number> }>();
  const runOf = (runId: string) => {
    let r = runs.get(runId);
    if (!r) {
      r = {
        runId,
        status: "completed",
        batches: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, total: 0 },
        files: { queued: 0, done: 0 },
        counts: {},
      };
      runs.set(runId, r);
    }
    return r;
  };
  for (const line of await readJournal(journalOf(options))) {
    if ("cancelled" in line) {
      const r = runOf(line.cancelled);
      r.status = "cancelled";
      r.updatedAt = line.at;
      continue;
    }
    const r = runOf(line.runId);
    r.batches!.completed++;
    r.batches!.total++;
    r.files!.queued += line.files.length;
    r.files!.done += line.files.length;
    for (const f of line.files) r.counts[f.outcome] = (r.counts[f.outcome] ?? 0) + 1;
  }
  return [...runs.values()].reverse();
}

/** Marks a run cancelled in the journal (a run it never saw is NOT_FOUND). */
export async function cancelJournalRun(
  options: JournalExecutorOptions,
  runId: string,
): Promise<CancelResult> {
  const path = journalOf(options);
  const run = (await journalRuns(options)).find((r) => r.runId === runId);
  if (!run) throw new LakehouseError("NOT_FOUND", `No run '${runId}' in the journal ${path}`);
  await appendFile(path, `${JSON.stringify({ cancelled: runId, at: new Date().toISOString() })}\n`);
  return { runId, removed: 0, active: 0, previous: run.status };
}

export const journalExecutor: ExecutorPlugin<JournalExecutorOptions> = {
  kind: "executor",
  id: "journal",
  description: "Runs batches in this process and journals each one (an example executor plugin)",
  optionsSchema: Options,
  listRuns: (options) => journalRuns(options),
  cancel: (options, runId) => cancelJournalRun(options, runId),
  create: (options, deps) => createJournalExecutor(options, deps),
};
