// `lakehouse coverage [selection]`: every expected file's state (verified, unverified, superseded,
// not_collected, failed, quarantined, pending, hole) from the archive's listing and bronze's records; a summary,
// --json, --csv, --html, and the `coverage` SQL table.
import { writeFile } from "node:fs/promises";
import type { CoverageCell, CoverageSummary } from "@crypto-lakehouse/coverage";
import type { Command } from "commander";
import { CliUsageError } from "../errors.js";
import { addSelectionFlags, type RunFlags } from "../flags.js";
import { formatBytes, table } from "../table.js";
import { coverageSelectionOf, openArchiveLake } from "./archive-lake.js";

interface CoverageFlags extends RunFlags {
  json?: boolean;
  csv?: boolean;
  html?: string;
  listingMaxAge?: string;
  refreshListing?: boolean;
  table?: boolean;
}

export function registerCoverage(program: Command): void {
  addSelectionFlags(
    program
      .command("coverage")
      .description(
        "what the lakehouse holds against what the archive lists: each day's (month's) state per series, holes, the `coverage` SQL table",
      ),
  )
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("--endpoint <url>", "S3 endpoint of the archive (default: the real archive)")
    .option("--region <region>", "archive region")
    .option("--bucket <bucket>", "archive bucket")
    .option("--json", "print every cell and the summary as JSON")
    .option("--csv", "print every cell as CSV")
    .option("--html <file>", "write a self-contained HTML report (heatmaps, holes, runs)")
    .option("--listing-max-age <hours>", "use cached archive listings younger than this (default 6)")
    .option("--refresh-listing", "list every archive folder again (same as --listing-max-age 0)")
    .option("--no-table", "do not write the `coverage` SQL table (_meta/tables/coverage/)")
    .action(async (f: CoverageFlags) => {
      if (f.json && f.csv) throw new CliUsageError("--json and --csv: choose one output format");
      const maxAgeMs = listingMaxAge(f);
      const lake = await openArchiveLake(f);
      const { runtime } = lake;
      try {
        const { computeCoverage, HtmlReport, coverageRow, COVERAGE_COLUMNS, csvCell } = await import(
          "@crypto-lakehouse/coverage"
        );
        const html = f.html ? new HtmlReport() : undefined;
        const out = new Out();
        if (f.csv) await out.write(`${COVERAGE_COLUMNS.map((c) => c.name).join(",")}\n`);
        if (f.json) await out.write('{"cells":[');
        let n = 0;
        const onCell = async (c: CoverageCell) => {
          html?.add(c);
          if (f.csv) await out.write(`${coverageRow(c).map(csvCell).join(",")}\n`);
          else if (f.json) await out.write(`${n ? "," : ""}\n${JSON.stringify(c)}`);
          n++;
        };
        const summary = await computeCoverage({
          storage: lake.storage,
          catalog: runtime.catalog,
          lister: (prefix) => lake.downloader.list(prefix, { delimiter: "/" }),
          source: lake.source,
          selection: coverageSelectionOf(lake.merged.config),
          ...(maxAgeMs !== undefined ? { listingMaxAgeMs: maxAgeMs } : {}),
          writeTable: f.table !== false,
          onCell,
        });
        if (f.json) await out.write(`\n],"summary":${JSON.stringify(summary)}}\n`);
        if (html) {
          const { listRunSummaries } = await import("@crypto-lakehouse/engine");
          const runs = await listRunSummaries(lake.storage, { onError: () => undefined });
          const text = html.html({ summary, runs, location: lake.storage.location });
          await writeFile(f.html!, text);
          process.stderr.write(`HTML report: ${f.html} (${formatBytes(Buffer.byteLength(text))})\n`);
        }
        if (!f.json && !f.csv) await out.write(renderSummary(summary, n));
      } finally {
        await runtime.dispose();
      }
    });
}

function listingMaxAge(f: CoverageFlags): number | undefined {
  if (f.refreshListing) return 0;
  if (f.listingMaxAge === undefined) return undefined;
  const h = Number(f.listingMaxAge);
  if (!Number.isFinite(h) || h < 0) {
    throw new CliUsageError(
      `--listing-max-age: expected hours ≥ 0 (e.g. 6 or 0.5), got '${f.listingMaxAge}'`,
    );
  }
  return h * 3600_000;
}

/** stdout with back-pressure. */
class Out {
  async write(s: string): Promise<void> {
    if (!process.stdout.write(s)) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
  }
}

const SHOWN_SERIES = 40;

function renderSummary(s: CoverageSummary, cells: number): string {
  if (s.series.length === 0) {
    return "No series to report: bronze is empty and no --symbols with --data-types name archive series.\n";
  }
  const states = (Object.keys(s.totals) as (keyof typeof s.totals)[]).filter((k) => s.totals[k] > 0);
  const label = (x: CoverageSummary["series"][number]) =>
    `${x.market} ${x.dataType} ${x.symbol}${x.interval ? ` ${x.interval}` : ""}`;
  const rows = s.series
    .slice(0, SHOWN_SERIES)
    .map((x) => [label(x), ...states.map((st) => x.counts[st] || ""), `${x.first ?? ""}…${x.last ?? ""}`]);
  const lines = [table(["series", ...states, "range"], rows)];
  if (s.series.length > SHOWN_SERIES) lines.push(`… and ${s.series.length - SHOWN_SERIES} more series`);
  lines.push(`\n${cells} files: ${states.map((st) => `${s.totals[st]} ${st}`).join(", ")}`);
  if (s.holes.length) {
    lines.push(`\nLongest holes (${s.holeRuns} in all):`);
    for (const h of s.holes.slice(0, 10)) {
      const span = h.from === h.to ? h.from : `${h.from} … ${h.to}`;
      lines.push(
        `  ${h.market} ${h.dataType} ${h.symbol}${h.interval ? ` ${h.interval}` : ""} ${h.partition} ${span} (${h.files})`,
      );
    }
  }
  lines.push(
    `\nArchive listing: ${s.listing.listed} folders listed, ${s.listing.cached} from the cache (_meta/listing/).`,
  );
  if (s.table) lines.push(`SQL: lakehouse sql "SELECT state, count(*) FROM coverage GROUP BY ALL"`);
  return `${lines.join("\n")}\n`;
}
