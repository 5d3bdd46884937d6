// `lakehouse verify`: re-hash stored bronze zips against their records and .CHECKSUM and test-open them (every
// CRC-32); `--repair` re-fetches the corrupt, missing and unverified ones through the normal collect pipeline.
import type { ArchiveFile, Leftover, RunSummary } from "@crypto-lakehouse/core";
import type { VerifyItem, VerifyReport } from "@crypto-lakehouse/engine";
import type { ResolvedRun, Runtime } from "@crypto-lakehouse/runtime";
import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { addSelectionFlags, type RunFlags } from "../flags.js";
import { onInterrupt } from "../interrupt.js";
import { selectionRuntime } from "../lake.js";
import { createCliLogger, type LogOptions } from "../log.js";
import { formatBytes, formatDuration, table } from "../table.js";

interface VerifyFlags extends Omit<RunFlags, "zipTest">, LogOptions {
  repair?: boolean;
  json?: boolean;
  /** false with --no-zip-test. */
  zipTest?: boolean;
}

export function renderReport(r: VerifyReport, title = "Verified"): string {
  const c = r.counts;
  if (r.checked === 0) return `Nothing to verify: no stored files found in ${r.location}`;
  const noSum = r.items.filter((i) => i.noChecksum).length;
  const lines = [
    `${title} ${r.checked} file${r.checked === 1 ? "" : "s"} (${formatBytes(r.bytes)}) in ${r.location} in ${formatDuration(r.durationMs)}: ` +
      `${c.ok} ok, ${c.corrupt} corrupt, ${c.missing} missing, ${c.unverified} unverified` +
      (noSum ? ` (${noSum} of them published without a .CHECKSUM)` : "") +
      (c.unavailable ? `, ${c.unavailable} not in the archive` : "") +
      (r.zipTested ? `; ${r.zipTested} zip${r.zipTested === 1 ? "" : "s"} CRC-tested` : ""),
  ];
  if (r.items.length) {
    lines.push(
      "",
      table(
        ["status", "file", "why"],
        r.items.map((i) => [i.status, i.bronzeKey, i.reason ?? ""]),
      ),
    );
  }
  const gone = r.leftovers.filter((l) => l.gone);
  if (gone.length) {
    lines.push(
      "",
      `${gone.length} temp file${gone.length === 1 ? "" : "s"} left by interrupted writes (their writer is gone):`,
      ...gone.map((l) => `  ${l.key} (${formatBytes(l.size)})`),
    );
  }
  return lines.join("\n");
}

interface Progress {
  item(i: VerifyItem): void;
  stop(): void;
}

/** A single self-updating stderr line on a TTY ("checked N files, X, K problems"); nothing when piped. */
function progressLine(enabled: boolean): Progress {
  let checked = 0;
  let bytes = 0;
  let problems = 0;
  let last = 0;
  const draw = () =>
    process.stderr.write(`\rchecked ${checked} files, ${formatBytes(bytes)}, ${problems} not ok`);
  return {
    item(i) {
      if (!enabled) return;
      checked++;
      bytes += i.size ?? 0;
      if (i.status !== "ok") problems++;
      if (Date.now() - last > 200) {
        last = Date.now();
        draw();
      }
    },
    stop() {
      if (enabled && checked > 0) {
        draw();
        process.stderr.write("\n");
      }
    },
  };
}

export function registerVerify(program: Command): void {
  addSelectionFlags(
    program
      .command("verify")
      .description(
        "re-check stored files against their recorded SHA-256 and .CHECKSUM, and test-open each zip with every " +
          "member's CRC-32 checked (all of bronze/ without a selection)",
      ),
  )
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("--repair", "re-fetch corrupt, missing and unverified files from the archive")
    .option(
      "--no-zip-test",
      "skip the zip test (inflating every member costs ~3x the zips' size in CPU): check the hashes only",
    )
    .option("--endpoint <url>", "S3 endpoint of the archive, for --repair (default: the real archive)")
    .option("--region <region>", "archive region, for --repair")
    .option("--bucket <bucket>", "archive bucket, for --repair")
    .option("-d, --downloader <id>", "downloader for --repair: sdk (default) or s5cmd")
    .option("-j, --concurrency <n>", "files checked (and re-fetched) at once")
    .option("--retries <n>", "retries for retryable download failures (--repair)")
    .option("--json", "print the report as JSON")
    .action(runVerify);
}

async function runVerify(f: VerifyFlags, cmd: Command): Promise<void> {
  const logger = await createCliLogger(cmd.optsWithGlobals() as LogOptions);
  // --no-zip-test is verify's own switch, not the zip_test setting that --zip-test sets for collect.
  const { zipTest: zipTestFlag, ...runFlags } = f;
  const { runtime, run } = await selectionRuntime(runFlags, logger);
  const interrupt = onInterrupt();
  try {
    const progress = progressLine(Boolean(process.stderr.isTTY) && !f.json);
    const outcome = await verifyLake(runtime, run, {
      zipTest: zipTestFlag !== false,
      concurrency: f.concurrency ? runtime.settings.concurrency : 4,
      repair: Boolean(f.repair),
      signal: interrupt.signal,
      progress,
    });
    const { report, repair, ok } = outcome;
    process.stdout.write(
      f.json
        ? `${JSON.stringify({ ...report, ...(repair ? { repair } : {}), ok }, null, 2)}\n`
        : `${renderOutcome(outcome)}\n`,
    );
    process.exitCode = outcome.ok && !interrupt.signal.aborted ? EXIT.ok : EXIT.failed;
  } finally {
    interrupt.release();
    await runtime.dispose();
  }
}

interface VerifyLakeOptions {
  zipTest: boolean;
  concurrency: number;
  repair: boolean;
  signal: AbortSignal;
  /** Told of each file checked, and stopped once all are (before any repair). */
  progress: Progress;
}

interface Repair {
  /** The repair run's summary (absent when only leftovers were removed). */
  summary: RunSummary | undefined;
  /** What the store holds now for each file that was bad. */
  after: VerifyItem[];
  leftoversRemoved?: string[];
}

interface VerifyOutcome {
  report: VerifyReport;
  /** The files verify found not ok. */
  problems: VerifyItem[];
  /** Temp files of gone writers removed by --repair. */
  removed: Leftover[];
  repair?: Repair;
  /** Problems still there after the repair (all of them without one). */
  remaining: VerifyItem[];
  leftoversLeft: number;
  ok: boolean;
}

/** Verifies the selection's files (all of bronze without one) and, with `repair`, re-fetches the bad ones. */
async function verifyLake(
  runtime: Runtime,
  run: ResolvedRun | undefined,
  o: VerifyLakeOptions,
): Promise<VerifyOutcome> {
  const { isVerifyProblem, removeGoneLeftovers, verifyStore } = await import("@crypto-lakehouse/engine");
  const storage = await runtime.storage();
  const files = run ? await listedPlan(runtime, run) : undefined;
  const report = await verifyStore(storage, {
    ...(files ? { files } : {}),
    catalog: runtime.catalog,
    concurrency: o.concurrency,
    zipTest: o.zipTest,
    signal: o.signal,
    onItem: o.progress.item,
  });
  o.progress.stop();
  const problems = report.items.filter(isVerifyProblem);
  // Temp files a killed writer left: not data, but clutter a crash must not leave for good.
  const leftovers = report.leftovers.filter((l) => l.gone);
  const removed = o.repair && !o.signal.aborted ? await removeGoneLeftovers(storage, report) : [];
  let repair: Repair | undefined =
    o.repair && problems.length && !o.signal.aborted ? await repairProblems(runtime, problems, o) : undefined;
  if (removed.length)
    repair = {
      ...(repair ?? { summary: undefined, after: [] }),
      leftoversRemoved: removed.map((l) => l.key),
    };
  const remaining = repair?.summary ? repair.after.filter(isVerifyProblem) : problems;
  const leftoversLeft = leftovers.length - removed.length;
  const ok = remaining.length === 0 && leftoversLeft === 0;
  return { report, problems, removed, ...(repair ? { repair } : {}), remaining, leftoversLeft, ok };
}

/** The selection's files, planned from the archive's listing. */
async function listedPlan(runtime: Runtime, run: ResolvedRun): Promise<AsyncIterable<ArchiveFile>> {
  const { planFiles } = await import("@crypto-lakehouse/engine");
  return planFiles(run.request, {
    catalog: runtime.catalog,
    lister: async function* (prefix, delimiter) {
      yield* (await runtime.downloader()).list(prefix, { delimiter: delimiter ?? "/" });
    },
  }).files;
}

/** Re-fetches the problems through the collect pipeline, then re-verifies exactly those files. */
async function repairProblems(
  runtime: Runtime,
  problems: VerifyItem[],
  o: Pick<VerifyLakeOptions, "zipTest" | "signal">,
): Promise<Repair> {
  const { verifyStoredFile } = await import("@crypto-lakehouse/engine");
  const { settings } = runtime;
  const fetchable = problems.filter((i): i is VerifyItem & { file: ArchiveFile } => i.file !== undefined);
  const summary = await runtime.collectFiles(
    fetchable.map((i) => i.file),
    {
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
      verify: true,
      // A zip verify found damaged past what collect's `structure` test reads would pass that test again
      // and be stored again; the full test quarantines it instead.
      zipTest: o.zipTest ? "crc" : settings.zipTest,
      signal: o.signal,
      request: { command: "verify --repair", keys: fetchable.map((i) => i.file.key) },
    },
  );
  // What the store holds now, for exactly the files that were bad (with the repair's failure reasons).
  const why = new Map(
    summary.failures.map((x) => [x.key, `${x.outcome} in run ${summary.runId}: ${x.reason}`]),
  );
  const storage = await runtime.storage();
  const after: VerifyItem[] = [];
  for (const i of problems) {
    const now = await verifyStoredFile(storage, i.bronzeKey, i.file, why, { zipTest: o.zipTest });
    const failed = i.file ? why.get(i.file.key) : undefined;
    // A missing file's reason already names the failure; say why a corrupt one is still there.
    after.push(
      now.status === "corrupt" && failed ? { ...now, reason: `${now.reason}; re-fetch: ${failed}` } : now,
    );
  }
  return { summary, after };
}

/** The report, what --repair did and what is left, for people. */
function renderOutcome(o: VerifyOutcome): string {
  const { removed, repair, remaining } = o;
  const lines = [renderReport(o.report)];
  if (removed.length)
    lines.push("", `Removed ${removed.length} temp file${removed.length === 1 ? "" : "s"} of gone writers.`);
  if (repair?.summary) {
    const s = repair.summary;
    lines.push(
      "",
      `Repair run ${s.runId}: ${s.counts.downloaded ?? 0} re-fetched; ${remaining.length} problem${remaining.length === 1 ? "" : "s"} left`,
    );
    if (remaining.length)
      lines.push(
        table(
          ["status", "file", "why"],
          remaining.map((i) => [i.status, i.bronzeKey, i.reason ?? ""]),
        ),
      );
  } else if (o.problems.length || o.leftoversLeft) {
    lines.push("", "Run again with --repair to re-fetch them from the archive (and remove the temp files).");
  }
  return lines.join("\n");
}
