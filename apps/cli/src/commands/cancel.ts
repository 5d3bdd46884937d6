// `lakehouse cancel RUN_ID --queue redis://…` (or `--executor ID`): stops a run handed to an executor that can
// cancel (the bullmq queue, a plugin's), or removes a repeatable sync by its id. A run's waiting batches are
// removed, running ones stop within about a second; files already stored stay (resume picks up from there).
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import type { Command } from "commander";
import { repeatable } from "../flags.js";
import { lakeRuntime } from "../lake.js";

interface CancelFlags {
  queue?: string;
  executor?: string;
  config?: string;
  plugin?: string[];
  json?: boolean;
}

async function cancel(runId: string, f: CancelFlags): Promise<void> {
  const { checkRunId } = await import("@crypto-lakehouse/core");
  checkRunId(runId, "cancel <run-id>");
  const queue = f.queue ?? (f.executor ? undefined : process.env.LAKEHOUSE_QUEUE);
  const { runtime, merged } = await lakeRuntime({ ...f, ...(queue ? { queue } : {}) });
  try {
    if (merged.config.queue === undefined && merged.config.executor === undefined) {
      throw new LakehouseError(
        "CONFIG_INVALID",
        "cancel needs the queue: pass --queue redis://HOST:PORT (or set LAKEHOUSE_QUEUE), or the executor with --executor",
      );
    }
    const done = await runtime.cancel(runId);
    if ("schedule" in done) {
      const { id, removed } = done.schedule;
      process.stdout.write(
        f.json || !process.stdout.isTTY
          ? `${JSON.stringify({ id, removed }, null, 2)}\n`
          : `Removed the repeatable sync ${id}; a sync already running finishes.\n`,
      );
      return;
    }
    const r = done.run;
    if (f.json || !process.stdout.isTTY) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return;
    }
    if (r.previous === "completed" && r.removed === 0 && r.active === 0) {
      process.stdout.write(`Run ${runId} had already completed; nothing to cancel.\n`);
      return;
    }
    process.stdout.write(
      `Cancelled run ${runId}: ${r.removed} waiting batch(es) removed, ${r.active} running batch(es) stopping.\n` +
        `Files already stored stay in the lakehouse; run the same collect with --run-id ${runId} to finish it later.\n`,
    );
  } finally {
    await runtime.dispose();
  }
}

export function registerCancel(program: Command): void {
  program
    .command("cancel")
    .description(
      "cancel a run queued with --queue (or run by an executor that can cancel): remove its waiting batches and stop the running ones",
    )
    .argument(
      "<run-id>",
      "the run to cancel, or a repeatable sync's id (sync-…) to remove (see `lakehouse runs`)",
    )
    .option("--queue <redis-url>", "the queue's Redis, as given to collect --queue (or env LAKEHOUSE_QUEUE)")
    .option(
      "--executor <id>",
      "the executor that runs it, when not the queue (e.g. a plugin's, with --config)",
    )
    .option("-c, --config <file>", "JSON config file (its executor, queue and plugins)")
    .option("--plugin <module>", "load a plugin module (repeatable)", repeatable)
    .option("--json", "print the result as JSON")
    .action((runId: string, f: CancelFlags) => cancel(runId, f));
}
