// `lakehouse runs`: past runs recorded under _meta/runs/ (newest first), and `runs show ID` for one of them.
// Also the shared way verify/runs open the lakehouse from --output / a config file without a full selection.
import {
  formatZodIssues,
  LakehouseError,
  type Logger,
  OUTCOMES,
  type RunSummary,
  redactUrl,
  type StorageBackend,
} from "@crypto-lakehouse/core";
import type { ResolvedRun } from "@crypto-lakehouse/runtime";
import type { Command } from "commander";
import { mergeFlags, type RunFlags } from "../flags.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { formatBytes, formatDuration, table } from "../table.js";

const SELECTION_KEYS = ["markets", "symbols", "data_types", "intervals", "date_range"] as const;

/**
 * A selection that validates, for commands that only need the settings (output, storage, archive endpoint)
 * and never plan with it.
 */
const STAND_IN_SELECTION = {
  markets: ["spot"],
  symbols: ["BTCUSDT"],
  data_types: ["klines"],
  intervals: ["1d"],
};

/** Settings, registry and catalog from flags and config; `selected` says whether they name files to check. */
export async function resolveForStore(f: RunFlags): Promise<{ run: ResolvedRun; selected: boolean }> {
  const { resolveRun } = await import("@crypto-lakehouse/runtime");
  const merged = mergeFlags(f);
  const selected = SELECTION_KEYS.some((k) => merged.config[k] !== undefined);
  const config = selected ? merged.config : { ...merged.config, ...STAND_IN_SELECTION };
  const run = await resolveRun(config, { sources: merged.sources, baseDir: merged.baseDir });
  return { run, selected };
}

/** The lakehouse store the settings point at (`--output`, `output_directory` or `storage: {kind, …}`). */
export async function openStore(run: ResolvedRun, logger: Logger): Promise<StorageBackend> {
  const { storageSelection } = await import("@crypto-lakehouse/runtime");
  const sel = storageSelection(run.registry, run.settings);
  const plugin = run.registry.storages.get(sel.id)!;
  let options = sel.options;
  if (plugin.optionsSchema) {
    const parsed = plugin.optionsSchema.safeParse(sel.options);
    if (!parsed.success) {
      throw new LakehouseError("CONFIG_INVALID", `Invalid options for storage ${sel.id}`, {
        details: formatZodIssues(parsed.error.issues, "storage"),
      });
    }
    options = parsed.data;
  }
  return plugin.create(options, { logger });
}

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
  queue?: string;
}

/** Runs known to a BullMQ queue (in flight or recently finished), for `runs --queue`. */
async function queuedRuns(url: string) {
  const { listQueuedRuns } = await import("@crypto-lakehouse/executor-bullmq");
  return listQueuedRuns(url);
}

/** A queued run's status; a failed one says why, cut to fit a table row (`--json` has the whole reason). */
function queuedStatus(r: { status: string; error?: string }): string {
  if (r.status !== "failed" || !r.error) return r.status;
  const why = r.error.split("\n")[0]!;
  return `failed: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}`;
}

function renderQueuedTable(runs: Awaited<ReturnType<typeof queuedRuns>>): string {
  return table(
    ["run", "status", "batches done", "files done", "downloaded", "failed", "updated"],
    runs.map((r) => [
      r.runId,
      queuedStatus(r),
      `${r.batches.completed}/${r.batches.total}${r.planComplete ? "" : "+"}`,
      `${r.files.done}/${r.files.queued}`,
      r.counts.downloaded,
      r.counts.failed + r.counts.checksum_mismatch,
      r.updatedAt ?? "-",
    ]),
  );
}

function renderSchedules(schedules: Awaited<ReturnType<typeof listSchedules>>): string {
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

async function listSchedules(url: string) {
  const { listSyncSchedules } = await import("@crypto-lakehouse/executor-bullmq");
  return listSyncSchedules(url);
}

function addStoreFlags(cmd: Command): Command {
  return cmd
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("-c, --config <file>", "JSON config file naming the output (output_directory or storage)")
    .option("--plugin <module>", "load a plugin module (repeatable)", (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .option("--json", "print JSON");
}

export function registerRuns(program: Command): void {
  const runs = addStoreFlags(
    program.command("runs").description("list past runs (newest first) with their counts"),
  )
    .option("-n, --limit <n>", "show only the newest N runs")
    .option("--queue <redis-url>", "also show runs in this BullMQ queue (in flight or recently finished)")
    .action(async (f: RunsFlags, cmd: Command) => {
      const logger = createCliLogger(cmd.optsWithGlobals() as LogOptions);
      const limit = f.limit === undefined ? undefined : Number(f.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new LakehouseError("CONFIG_INVALID", `--limit: '${f.limit}' is not a positive whole number`);
      }
      const { run } = await resolveForStore(f);
      const storage = await openStore(run, logger);
      try {
        const entries = (await listRunEntries(storage, logger)).slice(0, limit);
        if (f.queue) {
          const queued = (await queuedRuns(f.queue)).slice(0, limit);
          const schedules = await listSchedules(f.queue);
          if (f.json) {
            process.stdout.write(
              `${JSON.stringify({ stored: entries.map((e) => e.summary), queued, schedules }, null, 2)}\n`,
            );
            return;
          }
          if (schedules.length) process.stdout.write(`Repeatable syncs:\n${renderSchedules(schedules)}\n\n`);
          process.stdout.write(
            queued.length
              ? `In the queue:\n${renderQueuedTable(queued)}\n\n`
              : `No runs in the queue ${redactUrl(f.queue)}\n\n`,
          );
        }
        if (f.json) {
          process.stdout.write(
            `${JSON.stringify(
              entries.map((e) => e.summary),
              null,
              2,
            )}\n`,
          );
        } else if (entries.length === 0) {
          process.stdout.write(`No runs recorded in ${storage.location}\n`);
        } else {
          process.stdout.write(`${renderRunsTable(entries)}\n`);
        }
      } finally {
        await storage.close?.();
      }
    });

  addStoreFlags(
    runs
      .command("show")
      .argument("<id>", "run id (from `lakehouse runs`)")
      .description("show one run, failures included"),
  ).action(async (id: string, f: RunsFlags, cmd: Command) => {
    const { checkRunId } = await import("@crypto-lakehouse/core");
    const { readRunSummary } = await import("@crypto-lakehouse/engine");
    checkRunId(id, "runs show <id>");
    const logger = createCliLogger(cmd.optsWithGlobals() as LogOptions);
    // `runs --output X show ID` and `runs show ID --output X` both work.
    const { run } = await resolveForStore({ ...(cmd.parent?.opts() as RunsFlags), ...f });
    const storage = await openStore(run, logger);
    try {
      const summary = await readRunSummary(storage, id);
      if (!summary) {
        throw new LakehouseError("NOT_FOUND", `No run ${id} in ${storage.location}`, {
          details: ["`lakehouse runs --output …` lists the runs recorded there."],
        });
      }
      const json = f.json ?? (cmd.parent?.opts() as RunsFlags | undefined)?.json;
      process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderRun(summary)}\n`);
    } finally {
      await storage.close?.();
    }
  });
}
