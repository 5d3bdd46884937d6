// `lakehouse changes`: the archive's re-uploads this lakehouse noticed (recorded under _meta/changes/ by runs with
// refresh_changed, and by `lakehouse sync`), with where each replaced version is kept.
import type { ChangeEvent } from "@crypto-lakehouse/engine";
import type { Command } from "commander";
import { CliUsageError } from "../errors.js";
import { addLakeFlags, type RunFlags } from "../flags.js";
import { lakeRuntime } from "../lake.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { formatBytes, table } from "../table.js";

interface ChangesFlags extends Pick<RunFlags, "output" | "config" | "plugin">, LogOptions {
  since?: string;
  json?: boolean;
}

/** `--since`: a day (`YYYY-MM-DD`) or an ISO time; returned as the ISO prefix events are compared with. */
export function parseSince(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    return `${v}T00:00:00.000Z`;
  const t = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(t)) return new Date(t).toISOString();
  throw new CliUsageError(
    `--since: '${v}' is not a date; use YYYY-MM-DD (UTC) or an ISO time such as 2025-07-01T12:00:00Z`,
  );
}

const short = (h: string | undefined) => (h ? h.slice(0, 12) : "—");
const size = (n: number | undefined) => (n === undefined ? "—" : formatBytes(n));

export function renderChanges(events: readonly ChangeEvent[], since?: string): string {
  if (!events.length) return `No upstream changes recorded${since ? ` since ${since}` : ""}.`;
  const rows = events.map((e) => [
    e.seenAt.replace(/\.\d+Z$/, "Z"),
    e.key,
    `${size(e.old.size)} → ${size(e.new.size)}`,
    `${short(e.old.etag)} → ${short(e.new.etag)}`,
    `${short(e.old.sha256)} → ${short(e.new.sha256)}`,
    e.status,
  ]);
  return [
    `${events.length} upstream change${events.length === 1 ? "" : "s"}${since ? ` since ${since}` : ""}:`,
    "",
    table(["seen", "file", "size", "ETag", "sha256", "status"], rows),
    "",
    "Replaced versions are kept under _meta/history/<bronze key>/<sha256>.zip (see --json for each path).",
  ].join("\n");
}

export function registerChanges(program: Command): void {
  addLakeFlags(
    program
      .command("changes")
      .description(
        "files the archive changed after they were stored (re-uploads), with the kept old versions",
      ),
  )
    .option("--since <date>", "only changes seen on or after this day (YYYY-MM-DD, UTC) or ISO time")
    .option("--json", "print the events as JSON")
    .action(async (f: ChangesFlags, cmd: Command) => {
      const since = parseSince(f.since);
      const { listChanges } = await import("@crypto-lakehouse/engine");
      const logger = await createCliLogger(cmd.optsWithGlobals() as LogOptions);
      const { runtime } = await lakeRuntime(
        { ...(f.output ? { output: f.output } : {}), ...(f.config ? { config: f.config } : {}) },
        logger,
      );
      try {
        const storage = await runtime.storage();
        const events = await listChanges(storage, since);
        process.stdout.write(
          f.json
            ? `${JSON.stringify({ since: since ?? null, count: events.length, changes: events }, null, 2)}\n`
            : `${renderChanges(events, f.since)}\n`,
        );
      } finally {
        await runtime.dispose();
      }
    });
}
