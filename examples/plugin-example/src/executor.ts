// An executor plugin: runs batches in this process through core's in-process executor and keeps a journal of
// them (a log line per run, and optionally one JSON line per batch in a file), so one can see it did the work.
import { appendFile } from "node:fs/promises";
import type { Executor, ExecutorPlugin, PluginDeps } from "@crypto-lakehouse/core";
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

export const journalExecutor: ExecutorPlugin<JournalExecutorOptions> = {
  kind: "executor",
  id: "journal",
  description: "Runs batches in this process and journals each one (an example executor plugin)",
  optionsSchema: Options,
  create: (options, deps) => createJournalExecutor(options, deps),
};
