// `lakehouse collect`: the main job — plan, download, verify, store in bronze, record; resumable.
import type { Logger, RunSummary } from "@crypto-lakehouse/core";
import { OUTCOMES } from "@crypto-lakehouse/core/model";
import type { CollectRunError, ResolvedRun } from "@crypto-lakehouse/runtime";
import type { SilverRunSummary } from "@crypto-lakehouse/silver";
import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { addRunFlags, mergeFlags, type RunFlags } from "../flags.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { runWithProgress } from "../progress.js";
import { formatBytes, formatDuration, table } from "../table.js";
import { convert, renderSilverSummary, selectionOf } from "./silver.js";

interface CollectFlags extends RunFlags, LogOptions {
  json?: boolean;
  runId?: string;
  silver?: boolean;
  /** false with --no-space-check. */
  spaceCheck?: boolean;
}

export function registerCollect(program: Command): void {
  addRunFlags(
    program.command("collect").description("download, verify and store archive files in bronze (resumable)"),
  )
    .option("--json", "no progress display; print the run summary as JSON")
    .option("--run-id <id>", "use this run id (default: a new one)")
    .option("--silver", "convert what bronze holds for this selection to silver Parquet afterwards")
    .option(
      "--no-space-check",
      "do not size the selection first (local output: refused, exit 3, when the disk clearly cannot hold it)",
    )
    .action(async (f: CollectFlags, cmd: Command) => {
      const { collectResolved, resolveRun } = await import("@crypto-lakehouse/runtime");
      const globals = cmd.optsWithGlobals() as LogOptions;
      const merged = await mergeFlags(f);
      const run = await resolveRun(merged.config, { sources: merged.sources, baseDir: merged.baseDir });
      const interactive = Boolean(process.stderr.isTTY) && !f.json;
      const logger = await createCliLogger(globals);
      const afterFailure = async (e: CollectRunError) =>
        void process.stderr.write(`${await recordLine(e)}\n`);
      const done = await runWithProgress({ interactive, json: jsonOut(f), afterFailure }, (hooks) =>
        collectResolved(run, {
          logger,
          ...hooks,
          ...(f.runId ? { runId: f.runId } : {}),
          ...(f.spaceCheck === false ? { spaceCheck: false } : {}),
        }),
      );
      if (!done) return;
      const summary = done.result;
      const silverSummary =
        f.silver && !done.signal.aborted ? await convertToSilver(run, merged.config, f, logger) : undefined;
      if (jsonOut(f)) {
        const doc = silverSummary ? { ...summary, silver: silverSummary } : summary;
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        process.stdout.write(`${renderSummary(summary)}\n`);
        if (silverSummary) process.stdout.write(`\n${renderSilverSummary(silverSummary)}\n`);
      }
      if (summary.cancelReason) process.stderr.write(`${summary.cancelReason}\n`);
      const c = summary.counts;
      if (summary.planned > 0 && c.failed === summary.planned && allNetwork(summary)) {
        process.stderr.write(`Error: could not reach the archive (${summary.failures[0]?.reason})\n`);
      }
      const silverFailed = (silverSummary?.counts.failed ?? 0) > 0;
      process.exitCode =
        c.failed + c.checksum_mismatch > 0 || summary.status === "cancelled" || silverFailed
          ? EXIT.failed
          : EXIT.ok;
    });
}

/** The summary goes to stdout as JSON with --json, and whenever stdout is not a terminal (piped to a script). */
function jsonOut(f: CollectFlags): boolean {
  return Boolean(f.json) || !process.stdout.isTTY;
}

/** Where a failed run's record is (or why there is none). */
async function recordLine(e: CollectRunError): Promise<string> {
  const { runSummaryKey } = await import("@crypto-lakehouse/core");
  const where = `${e.summary.output.replace(/\/+$/, "")}/${runSummaryKey(e.runId)}`;
  return e.recorded
    ? `Run ${e.runId} failed; its record: ${where}`
    : `Run ${e.runId} failed; its record could not be written to ${where} (see the warning above)`;
}

/** `collect --silver`: the same conversion as `lakehouse silver` with the same selection, right after the run. */
async function convertToSilver(
  run: ResolvedRun,
  config: Record<string, unknown>,
  f: CollectFlags,
  logger: Logger,
): Promise<SilverRunSummary> {
  const { openRuntime } = await import("@crypto-lakehouse/runtime");
  const runtime = openRuntime(run, { logger });
  try {
    return await convert(runtime, selectionOf(config), { ...(f.json ? { json: true } : {}) });
  } finally {
    await runtime.dispose();
  }
}

function allNetwork(s: RunSummary): boolean {
  return (
    s.failures.length > 0 &&
    s.failures.every((f) =>
      /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|network|socket|connect/i.test(f.reason),
    )
  );
}

/** "Concurrency: adapted up to 96 downloads in flight (limit now 96, cap 256; cut twice for throttling)". */
export function concurrencyLine(c: NonNullable<RunSummary["concurrency"]>): string {
  const cuts = c.decreases ? `; cut ${c.decreases} time(s) for throttling, timeouts or memory` : "";
  const how = c.adaptive ? `adapted up to ${c.peak}` : `up to ${c.peak} (max_parallel_downloads ${c.max})`;
  return `Concurrency: ${how} requests in flight, ${c.peakInFlight} at most at once (limit now ${c.current}${cuts})`;
}

export function renderSummary(s: RunSummary): string {
  const rows = OUTCOMES.filter((o) => s.counts[o] > 0 || o === "downloaded").map((o) => [o, s.counts[o]]);
  const lines = [
    `Run ${s.runId} ${s.status.replace(/_/g, " ")} in ${formatDuration(s.durationMs)}: ${s.planned} planned, ${formatBytes(s.bytes)} downloaded → ${s.output}`,
    "",
    table(["outcome", "files"], rows),
  ];
  if (s.concurrency) lines.push("", concurrencyLine(s.concurrency));
  if (s.failures.length) {
    lines.push("", "Not collected:");
    for (const f of s.failures.slice(0, 20)) lines.push(`  ${f.outcome.padEnd(17)} ${f.key}  — ${f.reason}`);
    if (s.failures.length > 20)
      lines.push(`  … and ${s.failures.length - 20} more (see _meta/runs/${s.runId}.json)`);
  }
  if (s.notes.length) lines.push("", "Notes:", ...s.notes.map((n) => `  - ${n}`));
  return lines.join("\n");
}
