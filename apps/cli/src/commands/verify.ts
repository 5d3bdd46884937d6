// `lakehouse verify`: re-hash stored bronze zips against their records and .CHECKSUM and test-open them (every
// CRC-32); `--repair` re-fetches the corrupt, missing and unverified ones through the normal collect pipeline.
import type { ArchiveFile } from "@crypto-lakehouse/core";
import type { VerifyItem, VerifyReport } from "@crypto-lakehouse/engine";
import type { Command } from "commander";
import { EXIT } from "../errors.js";
import { addSelectionFlags, mergeFlags, type RunFlags } from "../flags.js";
import { hasSelection } from "../lake.js";
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

/** A single self-updating stderr line on a TTY ("checked N files, X, K problems"); nothing when piped. */
function progressLine(enabled: boolean): { item(i: VerifyItem): void; stop(): void } {
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
    .action(async (f: VerifyFlags, cmd: Command) => {
      const { openRuntime, resolveLake, resolveRun } = await import("@crypto-lakehouse/runtime");
      const { isVerifyProblem, planFiles, removeGoneLeftovers, verifyStore, verifyStoredFile } = await import(
        "@crypto-lakehouse/engine"
      );
      const logger = await createCliLogger(cmd.optsWithGlobals() as LogOptions);
      // --no-zip-test is verify's own switch, not the zip_test setting that --zip-test sets for collect.
      const { zipTest: zipTestFlag, ...runFlags } = f;
      const zipTest = zipTestFlag !== false;
      const merged = await mergeFlags(runFlags);
      const opts = { sources: merged.sources, baseDir: merged.baseDir };
      const selected = hasSelection(merged.config);
      const run = selected ? await resolveRun(merged.config, opts) : undefined;
      const runtime = openRuntime(run ?? (await resolveLake(merged.config, opts)), { logger });
      const settings = runtime.settings;
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const storage = await runtime.storage();
        const { catalog } = runtime;
        const concurrency = f.concurrency ? settings.concurrency : 4;
        const files = run
          ? planFiles(run.request, {
              catalog,
              lister: async function* (prefix, delimiter) {
                yield* (await runtime.downloader()).list(prefix, { delimiter: delimiter ?? "/" });
              },
            }).files
          : undefined;
        const progress = progressLine(Boolean(process.stderr.isTTY) && !f.json);
        const report = await verifyStore(storage, {
          ...(files ? { files } : {}),
          catalog,
          concurrency,
          zipTest,
          signal: controller.signal,
          onItem: progress.item,
        });
        progress.stop();
        const problems = report.items.filter(isVerifyProblem);
        // Temp files a killed writer left: not data, but clutter a crash must not leave for good.
        const leftovers = report.leftovers.filter((l) => l.gone);
        const removed =
          f.repair && !controller.signal.aborted ? await removeGoneLeftovers(storage, report) : [];
        let repair: { summary: unknown; after: VerifyItem[]; leftoversRemoved?: string[] } | undefined;
        if (f.repair && problems.length && !controller.signal.aborted) {
          const fetchable = problems.filter(
            (i): i is VerifyItem & { file: ArchiveFile } => i.file !== undefined,
          );
          const summary = await runtime.collectFiles(
            fetchable.map((i) => i.file),
            {
              batchSize: settings.batchSize,
              concurrency: settings.concurrency,
              verify: true,
              // A zip verify found damaged past what collect's `structure` test reads would pass that test again
              // and be stored again; the full test quarantines it instead.
              zipTest: zipTest ? "crc" : settings.zipTest,
              signal: controller.signal,
              request: { command: "verify --repair", keys: fetchable.map((i) => i.file.key) },
            },
          );
          // What the store holds now, for exactly the files that were bad (with the repair's failure reasons).
          const why = new Map(
            summary.failures.map((x) => [x.key, `${x.outcome} in run ${summary.runId}: ${x.reason}`]),
          );
          const after: VerifyItem[] = [];
          for (const i of problems) {
            const now = await verifyStoredFile(storage, i.bronzeKey, i.file, why, { zipTest });
            const failed = i.file ? why.get(i.file.key) : undefined;
            // A missing file's reason already names the failure; say why a corrupt one is still there.
            after.push(
              now.status === "corrupt" && failed
                ? { ...now, reason: `${now.reason}; re-fetch: ${failed}` }
                : now,
            );
          }
          repair = { summary, after };
        }
        if (removed.length)
          repair = {
            ...(repair ?? { summary: undefined, after: [] }),
            leftoversRemoved: removed.map((l) => l.key),
          };
        const remaining = repair?.summary ? repair.after.filter(isVerifyProblem) : problems;
        const leftoversLeft = leftovers.length - removed.length;
        const ok = remaining.length === 0 && leftoversLeft === 0;
        if (f.json) {
          process.stdout.write(
            `${JSON.stringify({ ...report, ...(repair ? { repair } : {}), ok }, null, 2)}\n`,
          );
        } else {
          const lines = [renderReport(report)];
          if (removed.length)
            lines.push(
              "",
              `Removed ${removed.length} temp file${removed.length === 1 ? "" : "s"} of gone writers.`,
            );
          if (repair?.summary) {
            const s = repair.summary as { runId: string; counts: Record<string, number> };
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
          } else if (problems.length || leftoversLeft) {
            lines.push(
              "",
              "Run again with --repair to re-fetch them from the archive (and remove the temp files).",
            );
          }
          process.stdout.write(`${lines.join("\n")}\n`);
        }
        process.exitCode = ok && !controller.signal.aborted ? EXIT.ok : EXIT.failed;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await runtime.dispose();
      }
    });
}
