// `lakehouse sync [selection]`: brings a lakehouse up to today in one idempotent run (see packages/runtime/src/sync.ts);
// without a selection it follows what the lakehouse already follows. `--dry-run` sizes it up; with `--queue`,
// `--every 1h` registers a repeatable sync that `lakehouse-worker`s run (`--every off` removes it).

import { resolve } from "node:path";
import type { PlanEstimate } from "@crypto-lakehouse/engine";
import type { SyncResult } from "@crypto-lakehouse/runtime";
import type { Command } from "commander";
import { CliUsageError, EXIT } from "../errors.js";
import { addRunFlags, mergeFlags, type RunFlags } from "../flags.js";
import { lakeRuntime } from "../lake.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { runWithProgress } from "../progress.js";
import { formatBytes, formatDuration } from "../table.js";
import { renderSummary } from "./collect.js";

interface SyncFlags extends RunFlags, LogOptions {
  json?: boolean;
  dryRun?: boolean;
  every?: string;
  runId?: string;
}

/** `--every`: `30m`, `1h`, `6h`, `1d` … (at least a minute), or `off`. */
export function parseEvery(v: string): number | "off" {
  if (v === "off") return "off";
  const m = /^(\d+)(m|h|d)$/.exec(v);
  const ms = m ? Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"] : 0;
  if (!m || ms < 60_000) {
    throw new CliUsageError(
      `--every: '${v}' is not an interval; use a whole number with m, h or d (e.g. 30m, 1h, 1d; at least 1m), or off`,
    );
  }
  return ms;
}

const duration = (s: number) => formatDuration(s * 1000);

export function renderEstimate(e: PlanEstimate): string {
  const lines = [
    `${e.planned.files} file${e.planned.files === 1 ? "" : "s"} planned, ${formatBytes(e.planned.bytes)} (sizes from the archive's listing)`,
    `  already in the lakehouse  ${e.stored.files} files, ${formatBytes(e.stored.bytes)}`,
    `  to download               ${e.toFetch.files} files, ${formatBytes(e.toFetch.bytes)}`,
  ];
  if (e.notListed)
    lines.push(`  not in the archive        ${e.notListed} files (holes, or not published yet)`);
  lines.push(
    e.throughput && e.etaSeconds !== undefined
      ? `  estimated time            ${duration(e.etaSeconds)} at ${formatBytes(e.throughput.bytesPerSecond)}/s, ${e.throughput.filesPerSecond.toFixed(1)} files/s (measured by the last ${e.throughput.runs} run${e.throughput.runs === 1 ? "" : "s"})`
      : "  estimated time            unknown (no earlier run downloaded anything to measure)",
  );
  return lines.join("\n");
}

/** Whether the flags and config name a selection to follow (a start date alone does not). */
function followsOwn(config: Record<string, unknown>): boolean {
  return ["markets", "symbols", "data_types", "intervals"].some((k) => config[k] !== undefined);
}

/** Registers or removes the lakehouse's repeatable sync on the executor (its `schedules` hook). */
async function schedule(f: SyncFlags, every: number | "off", config: Record<string, unknown>) {
  if (!(f.queue ?? process.env.LAKEHOUSE_QUEUE) && config.executor === undefined)
    throw new CliUsageError("--every needs the queue: pass --queue redis://HOST:PORT (workers run it)");
  const queue = f.queue ?? process.env.LAKEHOUSE_QUEUE;
  const { runtime } = await lakeRuntime({ ...f, ...(queue ? { queue } : {}) });
  try {
    // Workers run elsewhere: a local output travels absolute (as queued collect runs do).
    const raw = String(config.output_directory ?? "output");
    const output = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(raw);
    if (every === "off") {
      const doc = { output, ...(await runtime.unscheduleSync(output)) };
      process.stdout.write(
        f.json
          ? `${JSON.stringify(doc, null, 2)}\n`
          : doc.removed
            ? `Removed the repeatable sync ${doc.id} of ${output}.\n`
            : `No repeatable sync of ${output} was registered.\n`,
      );
      return;
    }
    // The queue's URL stays out of the job (workers use their own); so do credentials (their own environment).
    const {
      queue: _q,
      executor: _e,
      ...rest
    }: Record<string, unknown> = { ...config, output_directory: output };
    const explicit = followsOwn(config);
    const s = await runtime.scheduleSync(every, { output, config: rest, explicit });
    process.stdout.write(
      f.json
        ? `${JSON.stringify(s, null, 2)}\n`
        : `Registered the repeatable sync ${s.id} of ${output}: every ${formatDuration(every)}, the first now; lakehouse-workers on this queue run it.\n` +
            `See it with \`lakehouse runs --queue …\`; remove it with \`lakehouse sync -o ${output} --every off --queue …\` or \`lakehouse cancel ${s.id} --queue …\`.\n`,
    );
  } finally {
    await runtime.dispose();
  }
}

export function registerSync(program: Command): void {
  addRunFlags(
    program
      .command("sync")
      .description(
        "bring the lakehouse up to today: new days and symbols, monthly files as they appear, changed files refreshed (without a selection: what it already follows)",
      ),
  )
    .option(
      "--dry-run",
      "only report files and bytes (from the listing), what is already there, and the time it would take",
    )
    .option(
      "--every <interval>",
      "with --queue: register a repeatable sync (30m, 1h, 1d …) run by the workers; off removes it",
    )
    .option("--json", "no progress display; print the result as JSON")
    .option("--run-id <id>", "use this run id (default: a new one)")
    .option("--no-space-check", "do not refuse a sync the local disk clearly cannot hold")
    .action(async (f: SyncFlags & { spaceCheck?: boolean }, cmd: Command) => {
      if (f.end !== undefined)
        throw new CliUsageError("--end: sync always goes up to today; use collect for a fixed range");
      const every = f.every === undefined ? undefined : parseEvery(f.every);
      const merged = await mergeFlags(f);
      if (every !== undefined) return schedule(f, every, merged.config);
      const explicit = followsOwn(merged.config);
      const { resolveLake, resolveRun, syncResolved } = await import("@crypto-lakehouse/runtime");
      const how = { sources: merged.sources, baseDir: merged.baseDir };
      // Without a selection the sync follows what the lakehouse follows: only its settings are resolved.
      const run = explicit ? await resolveRun(merged.config, how) : await resolveLake(merged.config, how);
      const globals = cmd.optsWithGlobals() as LogOptions;
      const interactive = Boolean(process.stderr.isTTY) && !f.json && !f.dryRun;
      const json = Boolean(f.json) || !process.stdout.isTTY;
      const done = await runWithProgress({ interactive, json }, async (hooks) =>
        syncResolved(run, {
          explicit,
          logger: await createCliLogger(globals),
          ...hooks,
          ...(f.dryRun ? { dryRun: true } : {}),
          ...(f.spaceCheck === false ? { spaceCheck: false } : {}),
          ...(f.runId ? { runId: f.runId } : {}),
        }),
      );
      if (!done) return;
      const result = done.result;
      print(f, result);
      const c = result.summary?.counts;
      process.exitCode =
        c && (c.failed + c.checksum_mismatch > 0 || result.summary?.status === "cancelled")
          ? EXIT.failed
          : EXIT.ok;
    });
}

function print(f: SyncFlags, r: SyncResult): void {
  const json = f.json || !process.stdout.isTTY;
  if (json) {
    const doc = r.summary
      ? { ...r.summary, selections: r.selections, syncNotes: r.notes, coverage: r.coverage ?? null }
      : { dryRun: true, selections: r.selections, estimate: r.estimate, notes: r.notes };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const head = `Following ${r.selections.length} selection${r.selections.length === 1 ? "" : "s"}`;
  const notes = r.notes.length ? `\n\nNotes:\n${r.notes.map((n) => `  - ${n}`).join("\n")}` : "";
  if (r.estimate)
    process.stdout.write(`${head} (dry run: nothing downloaded)\n\n${renderEstimate(r.estimate)}${notes}\n`);
  else if (r.summary) {
    const cov = r.coverage
      ? `\n\nCoverage updated (lakehouse coverage; SQL table coverage): ${Object.entries(r.coverage.totals)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k.replace(/_/g, " ")}`)
          .join(", ")}`
      : "";
    process.stdout.write(`${head}\n\n${renderSummary(r.summary)}${notes}${cov}\n`);
  }
}
