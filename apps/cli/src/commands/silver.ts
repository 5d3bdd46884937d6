// `lakehouse silver`: converts bronze zips into typed Parquet tables (incremental), with quality reports.
import type { StorageBackend } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import { emptyCounts } from "@crypto-lakehouse/core/model";
import type { Progress } from "@crypto-lakehouse/engine";
import type { Runtime } from "@crypto-lakehouse/runtime";
import type {
  FileReport,
  QueuedSilver,
  SilverProgress,
  SilverRunSummary,
  SilverSelection,
  TableReport,
} from "@crypto-lakehouse/silver";
import { type Command, Option } from "commander";
import { EXIT } from "../errors.js";
import { addSelectionFlags, type SelectionFlags } from "../flags.js";
import { onInterrupt } from "../interrupt.js";
import { lakeRuntime } from "../lake.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { createProgressView } from "../progress.js";
import { formatBytes, formatDuration, table } from "../table.js";

/** Flags of the commands that work on a lakehouse as it is (silver, sql, gold). */
export interface LakeFlags extends SelectionFlags {
  output?: string;
  /** Silver batches go to queue workers (`--queue`). */
  queue?: string;
}

/**
 * `--queue` / `--executor` (or config `queue` / `executor`): the executor that ships silver batches to queue
 * workers, with the store as they name it and the plugins they load.
 */
async function queueOf(runtime: Runtime): Promise<QueuedSilver | undefined> {
  const { queue, executor, plugins } = runtime.settings;
  if (queue === undefined && executor === undefined) return undefined;
  return {
    executor: await runtime.executor(),
    storage: await runtime.storageJob(),
    ...(plugins.length ? { plugins } : {}),
  };
}

const list = (v: unknown): string[] | undefined => {
  if (Array.isArray(v)) return v.map(String);
  if (v && typeof v === "object")
    return [...new Set(Object.values(v).flatMap((x) => (Array.isArray(x) ? x.map(String) : [])))];
  return undefined;
};

/** The selection flags (or config keys) as a silver selection: every one narrows, none = all of bronze. */
export function selectionOf(config: Record<string, unknown>): SilverSelection {
  const range = (config.date_range ?? {}) as { start?: string; end?: string };
  const partitions =
    config.partitions === "daily" || config.partitions === "monthly" ? [config.partitions] : undefined;
  const sel: SilverSelection = {};
  const markets = list(config.markets);
  const dataTypes = list(config.data_types);
  const symbols = list(config.symbols);
  const intervals = list(config.intervals);
  if (markets) sel.markets = markets;
  if (dataTypes) sel.dataTypes = dataTypes;
  if (symbols) sel.symbols = symbols;
  if (intervals) sel.intervals = intervals;
  if (range.start) sel.start = range.start;
  if (range.end) sel.end = range.end;
  if (partitions) sel.partitions = partitions as SilverSelection["partitions"];
  return sel;
}

interface SilverFlags extends LakeFlags, LogOptions {
  force?: boolean;
  threads?: string;
  memoryLimit?: string;
  compression?: "snappy" | "zstd";
  json?: boolean;
  report?: boolean;
  files?: boolean;
  runId?: string;
}

const positive = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new LakehouseError("CONFIG_INVALID", `${flag}: expected a whole number ≥ 1, got '${v}'`);
  return Number(v);
};

/** The core progress shape, so silver shows the same bar as collect (converted ≙ downloaded, unchanged ≙ skipped). */
export function asProgress(p: SilverProgress): Progress {
  const counts = emptyCounts();
  counts.downloaded = p.counts.converted;
  counts.skipped = p.counts.unchanged + p.counts.superseded;
  counts.failed = p.counts.failed;
  return {
    runId: p.runId,
    planned: p.planned,
    planComplete: p.planComplete,
    done: p.done,
    counts,
    bytes: p.csvBytes,
    startedAt: p.startedAt,
  };
}

export function registerSilver(program: Command): void {
  addSelectionFlags(
    program
      .command("silver")
      .description("convert bronze zips into typed, hive-partitioned Parquet (only new or changed files)"),
  )
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("--force", "convert every selected file again, changed or not")
    .option("--threads <n>", "DuckDB threads (default 1; zips are extracted on another core meanwhile)")
    .option("--memory-limit <mb>", "DuckDB memory limit in MB (default 256)")
    .addOption(
      new Option("--compression <codec>", "Parquet compression (default snappy)").choices(["snappy", "zstd"]),
    )
    .option("--report", "show the stored quality reports of every silver table; convert nothing")
    .option("--files", "with --report: also one line per converted file of the selection (`files` in JSON)")
    .option("--json", "no progress display; print the run summary (or reports) as JSON")
    .option("--run-id <id>", "use this run id (default: a new one)")
    .option("--queue <redis-url>", "convert on lakehouse-workers through a BullMQ queue on this Redis")
    .action(async (f: SilverFlags, cmd: Command) => {
      if (f.files && !f.report)
        throw new LakehouseError(
          "CONFIG_INVALID",
          "--files goes with --report: `lakehouse silver --report --files`",
        );
      const logger = await createCliLogger(cmd.optsWithGlobals() as LogOptions);
      const { runtime, merged } = await lakeRuntime(f, logger);
      try {
        const storage = await runtime.storage();
        const selection = selectionOf(merged.config);
        if (f.report) return await showReports(storage, selection, runtime, f);
        const summary = await convert(runtime, selection, f);
        const asJson = f.json || !process.stdout.isTTY;
        process.stdout.write(
          asJson ? `${JSON.stringify(summary, null, 2)}\n` : `${renderSilverSummary(summary)}\n`,
        );
        process.exitCode =
          summary.counts.failed > 0 || summary.status === "cancelled" ? EXIT.failed : EXIT.ok;
      } finally {
        await runtime.dispose();
      }
    });
}

/** `silver --report [--files]`: the stored quality reports; nothing is converted. */
async function showReports(
  storage: StorageBackend,
  selection: SilverSelection,
  runtime: Runtime,
  f: SilverFlags,
): Promise<void> {
  const silver = await import("@crypto-lakehouse/silver");
  const asJson = f.json || !process.stdout.isTTY;
  const reports = await silver.readTableReports(storage);
  if (f.files) {
    const files = await silver.readFileReports(storage, selection, runtime.markets());
    process.stdout.write(
      asJson
        ? `${JSON.stringify({ tables: reports, files }, null, 2)}\n`
        : `${renderTables(reports, storage.location)}\n\n${renderFiles(files)}\n`,
    );
    return;
  }
  process.stdout.write(
    asJson ? `${JSON.stringify(reports, null, 2)}\n` : `${renderTables(reports, storage.location)}\n`,
  );
}

/**
 * Converts what bronze holds for `selection` (also `collect --silver`), with the progress bar on a terminal and
 * Ctrl-C stopping it cleanly.
 */
export async function convert(
  runtime: Runtime,
  selection: SilverSelection,
  f: Pick<SilverFlags, "json" | "force" | "threads" | "memoryLimit" | "compression" | "runId">,
): Promise<SilverRunSummary> {
  const silver = await import("@crypto-lakehouse/silver");
  const view = await createProgressView(Boolean(process.stderr.isTTY) && !f.json);
  const interrupt = onInterrupt();
  try {
    const threads = positive(f.threads, "--threads");
    const memoryLimitMb = positive(f.memoryLimit, "--memory-limit");
    // With --queue the conversion goes to the workers (their executor closes with the runtime).
    const queue = await queueOf(runtime);
    return await silver.convertBronze(await runtime.storage(), selection, {
      markets: runtime.markets(),
      logger: runtime.logger,
      ...(queue ? { queue } : {}),
      signal: interrupt.signal,
      onProgress: (p) => view.update(asProgress(p)),
      ...(f.force ? { force: true } : {}),
      ...(threads ? { threads } : {}),
      ...(memoryLimitMb ? { memoryLimitMb } : {}),
      ...(f.compression ? { compression: f.compression } : {}),
      ...(f.runId ? { runId: f.runId } : {}),
    });
  } finally {
    view.stop();
    interrupt.release();
  }
}

const shortTime = (iso: string | undefined) =>
  iso
    ? iso
        .replace("T", " ")
        .replace(/(\.0+)?Z$/, "")
        .replace(/\.(\d{3})\d*$/, ".$1")
    : "";

/** A table's or file's kline gaps in a cell: their count and the bars missing, "none", or "" (not klines). */
const gapsText = (gaps: { count: number; missingBars: number } | undefined): string =>
  gaps ? (gaps.count ? `${gaps.count} (${gaps.missingBars.toLocaleString("en")} bars missing)` : "none") : "";

export function renderTables(reports: readonly TableReport[], location: string): string {
  if (reports.length === 0) return `No silver tables in ${location} yet: run \`lakehouse silver\`.`;
  const rows = reports.map((r) => [
    r.view,
    r.files,
    r.rows.toLocaleString("en"),
    shortTime(r.timeMin),
    shortTime(r.timeMax),
    r.duplicatesDropped,
    gapsText(r.gaps),
  ]);
  const lines = [table(["table", "files", "rows", "from", "to", "duplicates dropped", "kline gaps"], rows)];
  const gappy = reports.flatMap((r) =>
    r.series.filter((s) => s.gaps && s.gaps.count > 0).map((s) => ({ r, s })),
  );
  if (gappy.length) {
    lines.push("", "Gaps in kline series (first ones):");
    for (const { r, s } of gappy.slice(0, 10)) {
      const g = s.gaps!.gaps[0]!;
      lines.push(
        `  ${r.view} ${s.symbol} ${s.interval}: ${s.gaps!.count} gaps, ${s.gaps!.missingBars} bars missing; first after ${shortTime(g.after)} (${g.missing} bars)`,
      );
    }
    if (gappy.length > 10) lines.push(`  … and ${gappy.length - 10} more series (see _meta/silver/tables/)`);
  }
  return lines.join("\n");
}

/** `bronze/spot/klines/daily/BTCUSDT/1h/BTCUSDT-1h-2025-01-01.zip` → `spot/klines/BTCUSDT/1h/2025-01-01`. */
const shortKey = (key: string) => {
  const [, market, dataType, , symbol, ...rest] = key.split("/");
  const period = /-(\d{4}-\d{2}(?:-\d{2})?)\.zip$/.exec(key)?.[1];
  if (!market || !dataType || !symbol || !period || rest.length < 1 || rest.length > 2) return key;
  return [market, dataType, symbol, ...(rest.length === 2 ? [rest[0]] : []), period].join("/");
};

/** One line per converted file (`lakehouse silver --report --files`). */
export function renderFiles(files: readonly FileReport[]): string {
  if (files.length === 0) return "No converted files match this selection.";
  const rows = files.map((r) => [
    shortKey(r.bronzeKey),
    r.rows.toLocaleString("en"),
    shortTime(r.timeMin),
    shortTime(r.timeMax),
    r.duplicatesDropped,
    r.keyConflicts ? r.keyConflicts : "",
    r.header ? "yes" : "no",
    r.timeUnit,
    gapsText(r.gaps),
  ]);
  return table(
    [
      "file",
      "rows",
      "from",
      "to",
      "duplicates dropped",
      "key conflicts",
      "header",
      "time unit",
      "kline gaps",
    ],
    rows,
  );
}

export function renderSilverSummary(s: SilverRunSummary): string {
  const secs = s.durationMs / 1000;
  const rate = secs > 0 ? `${formatBytes(s.csvBytes / secs)}/s` : "";
  const rows = Object.entries(s.counts)
    .filter(([o, n]) => n > 0 || o === "converted")
    .map(([o, n]) => [o, n]);
  const lines = [
    `Silver run ${s.runId} ${s.status.replace(/_/g, " ")} in ${formatDuration(s.durationMs)}: ${s.planned} bronze files, ` +
      `${formatBytes(s.csvBytes)} of CSV (${rate}) → ${s.rows.toLocaleString("en")} rows, ${formatBytes(s.parquetBytes)} Parquet → ${s.output}`,
    "",
    table(["outcome", "files"], rows),
  ];
  if (s.tables.length) lines.push("", renderTables(s.tables, s.output));
  const replaced = (s.files ?? []).filter((f) => f.replaced);
  if (replaced.length) {
    lines.push("", `Converted again, changed upstream since their last conversion (lakehouse changes):`);
    for (const f of replaced.slice(0, 20))
      lines.push(`  ${f.bronzeKey}  (was ${f.replaced!.sha256.slice(0, 12)}…)`);
  }
  if (s.failures.length) {
    lines.push("", "Not converted:");
    for (const f of s.failures.slice(0, 20)) lines.push(`  ${f.key}  — ${f.reason}`);
    if (s.failures.length > 20)
      lines.push(`  … and ${s.failures.length - 20} more (see _meta/silver/runs/${s.runId}.json)`);
  }
  if (s.notes.length) lines.push("", "Notes:", ...s.notes.slice(0, 20).map((n) => `  - ${n}`));
  if (s.counts.converted > 0) lines.push("", "per-file reports: lakehouse silver --report --files");
  return lines.join("\n");
}
