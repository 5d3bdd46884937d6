// `lakehouse cancel RUN_ID --queue redis://…`: stops a run collected through the queue. Its waiting batches are
// removed, running ones stop within about a second; files already stored stay (resume picks up from there).
import { checkRunId, LakehouseError } from "@crypto-lakehouse/core";
import type { Command } from "commander";

interface CancelFlags {
  queue?: string;
  json?: boolean;
}

export function registerCancel(program: Command): void {
  program
    .command("cancel")
    .description("cancel a run queued with --queue: remove its waiting batches and stop the running ones")
    .argument(
      "<run-id>",
      "the run to cancel, or a repeatable sync's id (sync-…) to remove (see `lakehouse runs`)",
    )
    .option("--queue <redis-url>", "the queue's Redis, as given to collect --queue (or env LAKEHOUSE_QUEUE)")
    .option("--json", "print the result as JSON")
    .action(async (runId: string, f: CancelFlags) => {
      checkRunId(runId, "cancel <run-id>");
      const url = f.queue ?? process.env.LAKEHOUSE_QUEUE;
      if (!url) {
        throw new LakehouseError(
          "CONFIG_INVALID",
          "cancel needs the queue: pass --queue redis://HOST:PORT (or set LAKEHOUSE_QUEUE)",
        );
      }
      const { cancelRun, unscheduleSync } = await import("@crypto-lakehouse/executor-bullmq");
      // A repeatable sync (`lakehouse sync --every …`) is cancelled by its scheduler id.
      if (runId.startsWith("sync-")) {
        const removed = await unscheduleSync(url, runId);
        process.stdout.write(
          f.json || !process.stdout.isTTY
            ? `${JSON.stringify({ id: runId, removed }, null, 2)}\n`
            : removed
              ? `Removed the repeatable sync ${runId}; a sync already running finishes.\n`
              : `No repeatable sync ${runId} in this queue.\n`,
        );
        return;
      }
      const r = await cancelRun(url, runId);
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
    });
}
