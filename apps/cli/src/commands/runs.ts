// `lakehouse runs`: past runs recorded under _meta/runs/ (newest first), `runs show ID` for one of them, and with
// --queue / --executor the runs the executor knows (in flight or recently finished).

import type { ExecutorRun, Logger, RunSummary, StorageBackend, SyncSchedule } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import { OUTCOMES } from "@crypto-lakehouse/core/model";
import type { Command } from "commander";
import { addLakeFlags, type RunFlags, repeatable } from "../flags.js";
import { lakeRuntime } from "../lake.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { formatBytes, formatDuration, table } from "../table.js";

/** One line of `lakehouse runs`: a recorded summary (a queue listing may add runs still in flight). */
export interface RunListEntry {
  summary: RunSummary;
  /** Where it was found: `store` (_meta/runs/). */
  source: string;
}

/** The runs to list, newest first. Extend here to merge in other sources (e.g. runs still queued). */
export async function listRunEntries(storage: StorageBackend, logger: Logger): Promise<RunListEntry[]> {
  const { listRunSummaries } = await import("@crypto-lakehouse/engine");
  const summaries = await listRunSummaries(storage, {
    onError: (key, e) => logger.warn("skipping an unreadable run summary", { key, error: e.message }),
  });
  return summaries.map((summary) => ({ summary, source: "store" }));
}

const SHORT: Record<string, string> = { checksum_mismatch: "mismatch" };

export function renderRunsTable(entries: readonly RunListEntry[]): string {
  const headers = [
    "run",
    "status",
    "started",
    "duration",
    "planned",
    ...OUTCOMES.map((o) => SHORT[o] ?? o),
    "bytes",
  ];
  const rows = entries.map(({ summary: s }) => [
    s.runId,
    s.status,
    s.startedAt.replace(/\.\d+Z$/, "Z"),
    formatDuration(s.durationMs),
    s.planned,
    ...OUTCOMES.map((o) => s.counts?.[o] ?? 0),
    formatBytes(s.bytes ?? 0),
  ]);
  return table(headers, rows);
}

export function renderRun(s: RunSummary): string {
  const lines = [
    `Run ${s.runId}: ${s.status.replace(/_/g, " ")}`,
    // A failed run says what ended it; its counts are what was done before.
    ...(s.error
      ? [
          `  error     ${s.error.code}: ${s.error.message}`,
          ...(s.error.details ?? []).map((d) => `              ${d}`),
        ]
      : []),
    `  started   ${s.startedAt}`,
    `  finished  ${s.finishedAt} (${formatDuration(s.durationMs)})`,
    `  output    ${s.output}`,
    `  via       downloader ${s.downloader}, executor ${s.executor}`,
    `  planned   ${s.planned} files, ${formatBytes(s.bytes)} downloaded`,
    "",
    table(
      ["outcome", "files", "time"],
      OUTCOMES.map((o) => [o, s.counts?.[o] ?? 0, s.durations?.[o] ? formatDuration(s.durations[o]!) : "-"]),
    ),
  ];
  if (s.failures?.length) {
    lines.push("", `Not collected (${s.failures.length}):`);
    for (const f of s.failures) lines.push(`  ${f.outcome.padEnd(17)} ${f.key}  — ${f.reason}`);
  }
  if (s.notes?.length) lines.push("", "Notes:", ...s.notes.map((n) => `  - ${n}`));
  return lines.join("\n");
}

interface RunsFlags extends RunFlags, LogOptions {
  json?: boolean;
  limit?: string;
}

/** A run's status; a failed one says why, cut to fit a table row (`--json` has the whole reason). */
function runStatus(r: ExecutorRun): string {
  if (r.status !== "failed" || !r.error) return r.status;
  const why = r.error.split("\n")[0]!;
  return `failed: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}`;
}

function renderExecutorTable(runs: readonly ExecutorRun[]): string {
  const c = (r: ExecutorRun) => r.counts ?? {};
  return table(
    ["run", "status", "batches done", "files done", "downloaded", "failed", "updated"],
    runs.map((r) => [
      r.runId,
      runStatus(r),
      r.batches ? `${r.batches.completed}/${r.batches.total}${r.planComplete === false ? "+" : ""}` : "-",
      r.files ? `${r.files.done}/${r.files.queued}` : "-",
      c(r).downloaded ?? 0,
      (c(r).failed ?? 0) + (c(r).checksum_mismatch ?? 0),
      r.updatedAt ?? "-",
    ]),
  );
}

function renderSchedules(schedules: readonly SyncSchedule[]): string {
  return table(
    ["id", "lakehouse", "every", "next", "syncs so far"],
    schedules.map((s) => [
      s.id,
      s.output,
      formatDuration(s.everyMs),
      s.next ? new Date(s.next).toISOString().replace(/\.\d+Z$/, "Z") : "-",
      s.iterations ?? 0,
    ]),
  );
}

function addStoreFlags(cmd: Command): Command {
  return addLakeFlags(cmd, "JSON config file naming the output (output_directory or storage)")
    .option("--plugin <module>", "load a plugin module (repeatable)", repeatable)
    .option("--json", "print JSON");
}

/** `--queue` / `--executor` (or the config's `queue` / `executor`): also list the runs that executor knows. */
function addExecutorFlags(cmd: Command): Command {
  return cmd
    .option("--queue <redis-url>", "also show runs in this BullMQ queue (in flight or recently finished)")
    .option("--executor <id>", "also show the runs this executor knows (a plugin's, e.g. with --config)");
}

/** `runs`: the store's runs, and with an executor named its runs too (`{ stored, queued }` in JSON). */
async function listRuns(f: RunsFlags, logger: Logger): Promise<void> {
  const limit = f.limit === undefined ? undefined : Number(f.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new LakehouseError("CONFIG_INVALID", `--limit: '${f.limit}' is not a positive whole number`);
  }
  const { runtime, merged } = await lakeRuntime(f, logger);
  try {
    const storage = await runtime.storage();
    const entries = (await listRunEntries(storage, logger)).slice(0, limit);
    const out = (s: string) => process.stdout.write(s);
    // Only when named on the command line: a collect config's queue is not contacted by a plain `runs`.
    if (merged.sources.queue || merged.sources.executor) {
      const queued = (await runtime.executorRuns()).slice(0, limit);
      const schedules = await runtime.schedules();
      if (f.json) {
        const stored = entries.map((e) => e.summary);
        return void out(`${JSON.stringify({ stored, queued, schedules }, null, 2)}\n`);
      }
      const { redactUrl } = await import("@crypto-lakehouse/core");
      const { queue, executor } = runtime.settings;
      const where = queue ? "the queue" : `the ${executor?.kind} executor`;
      if (schedules.length) out(`Repeatable syncs:\n${renderSchedules(schedules)}\n\n`);
      if (queued.length) out(`In ${where}:\n${renderExecutorTable(queued)}\n\n`);
      else out(`No runs in ${where}${queue ? ` ${redactUrl(queue)}` : ""}\n\n`);
    }
    if (f.json)
      out(
        `${JSON.stringify(
          entries.map((e) => e.summary),
          null,
          2,
        )}\n`,
      );
    else if (entries.length === 0) out(`No runs recorded in ${storage.location}\n`);
    else out(`${renderRunsTable(entries)}\n`);
  } finally {
    await runtime.dispose();
  }
}

async function showRun(id: string, f: RunsFlags, json: boolean | undefined, logger: Logger): Promise<void> {
  const { checkRunId } = await import("@crypto-lakehouse/core");
  checkRunId(id, "runs show <id>");
  const { readRunSummary } = await import("@crypto-lakehouse/engine");
  const { runtime } = await lakeRuntime(f, logger);
  try {
    const storage = await runtime.storage();
    const summary = await readRunSummary(storage, id);
    if (!summary) {
      throw new LakehouseError("NOT_FOUND", `No run ${id} in ${storage.location}`, {
        details: ["`lakehouse runs --output …` lists the runs recorded there."],
      });
    }
    process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderRun(summary)}\n`);
  } finally {
    await runtime.dispose();
  }
}

export function registerRuns(program: Command): void {
  const runs = addExecutorFlags(
    addStoreFlags(program.command("runs").description("list past runs (newest first) with their counts")),
  )
    .option("-n, --limit <n>", "show only the newest N runs")
    .action(async (f: RunsFlags, cmd: Command) =>
      listRuns(f, await createCliLogger(cmd.optsWithGlobals() as LogOptions)),
    );

  addStoreFlags(
    runs
      .command("show")
      .argument("<id>", "run id (from `lakehouse runs`)")
      .description("show one run, failures included"),
  ).action(async (id: string, f: RunsFlags, cmd: Command) => {
    const parent = (cmd.parent?.opts() as RunsFlags | undefined) ?? {};
    // `runs --output X show ID` and `runs show ID --output X` both work; the store is all `show` needs.
    const { queue: _q, executor: _e, ...store } = { ...parent, ...f };
    const logger = await createCliLogger(cmd.optsWithGlobals() as LogOptions);
    await showRun(id, store, f.json ?? parent.json, logger);
  });
}
