// One silver build's bookkeeping: progress, per-file outcomes recorded into the symbol states, table reports, and
// the run summary — the same whether files are converted in this process or on queue workers.
import { forEachConcurrent, type Logger, type StorageBackend, silentLogger } from "@crypto-lakehouse/core";
import type { ItemOutcome } from "./converter.js";
import { silverRunKey } from "./layout.js";
import { fingerprint, type PlanHost, type Table, type Work } from "./plan.js";
import { writeTableReport } from "./report.js";
import { SILVER_FORMAT, type SymbolState, writeState } from "./state.js";
import type {
  ConvertOptions,
  FailedFile,
  FileOutcome,
  FileReport,
  SilverProgress,
  SilverRunSummary,
  SilverSelection,
  TableReport,
} from "./types.js";

/** Symbol states written at once. */
const STATE_PUTS = 8;

/**
 * A file converted before from other bytes (the archive changed it, see `lakehouse changes`): its report names
 * the version it replaces, and says so in its notes.
 */
function markReplaced(
  report: FileReport,
  prev: SymbolState["files"][string] | undefined,
  sha256: string | undefined,
): FileReport {
  if (prev?.status !== "converted" || !prev.sha256 || !sha256 || prev.sha256 === sha256) return report;
  const note = `converted again: the bronze file changed since run ${prev.runId} converted it (SHA-256 ${prev.sha256.slice(0, 12)}… → ${sha256.slice(0, 12)}…; see lakehouse changes)`;
  return {
    ...report,
    replaced: { sha256: prev.sha256, runId: prev.runId },
    notes: [...(report.notes ?? []), note],
  };
}

export class SilverRun implements PlanHost {
  readonly logger: Logger;
  readonly force: boolean;
  readonly signal?: AbortSignal;
  readonly dirty = new Set<SymbolState>();
  readonly notes: string[] = [];
  private readonly failures: FailedFile[] = [];
  private readonly converted: FileReport[] = [];
  private readonly touched: TableReport[] = [];
  private readonly counts: Record<FileOutcome, number> = {
    converted: 0,
    unchanged: 0,
    superseded: 0,
    failed: 0,
  };
  private readonly progress: SilverProgress;
  private parquetBytes = 0;
  private duplicatesDropped = 0;

  constructor(
    readonly storage: StorageBackend,
    readonly runId: string,
    private readonly selection: SilverSelection,
    private readonly opts: ConvertOptions,
  ) {
    this.logger = (opts.logger ?? silentLogger).child({ runId, stage: "silver" });
    this.force = opts.force === true;
    if (opts.signal) this.signal = opts.signal;
    this.progress = {
      runId,
      planned: 0,
      planComplete: false,
      done: 0,
      counts: this.counts,
      csvBytes: 0,
      rows: 0,
      startedAt: Date.now(),
    };
  }

  private emit(): void {
    this.opts.onProgress?.(this.progress);
  }

  planned(tables: readonly Table[]): void {
    this.progress.planned = tables.reduce((n, t) => n + t.sources.length, 0);
    this.progress.planComplete = true;
    this.emit();
  }

  finish(key: string, outcome: FileOutcome, reason?: string): void {
    this.progress.done++;
    this.counts[outcome]++;
    this.progress.last = { key, outcome, ...(reason ? { reason } : {}) };
    if (outcome === "failed") this.failures.push({ key, reason: reason ?? "failed" });
    this.emit();
  }

  /** Records what became of a converted (or failed) file into its symbol's state. */
  record(work: Work, outcome: ItemOutcome): void {
    const { src, state } = work;
    if ("error" in outcome) {
      this.logger.warn("silver conversion failed", { key: src.bronzeKey, reason: outcome.error });
      this.finish(src.bronzeKey, "failed", outcome.error);
      return;
    }
    const { sha256 } = outcome.converted;
    const report = markReplaced(outcome.converted.report, state.files[src.bronzeKey], sha256);
    state.files[src.bronzeKey] = {
      ...fingerprint(src),
      ...(sha256 ? { sha256 } : {}),
      status: "converted",
      format: SILVER_FORMAT,
      runId: this.runId,
      at: new Date().toISOString(),
      report,
    };
    this.dirty.add(state);
    this.converted.push(report);
    this.progress.csvBytes += report.csvBytes;
    this.progress.rows += report.rows;
    this.parquetBytes += report.parquetBytes;
    this.duplicatesDropped += report.duplicatesDropped;
    this.finish(src.bronzeKey, "converted");
  }

  /** Writes the changed symbol states, several at once (each put waits for fsyncs or a round trip). */
  async flush(): Promise<void> {
    const states = [...this.dirty];
    await forEachConcurrent(states, STATE_PUTS, (s) => writeState(this.storage, s));
    for (const s of states) this.dirty.delete(s);
  }

  async tableDone(table: Table): Promise<void> {
    await this.flush();
    const report = await writeTableReport(this.storage, table.market.id, table.dataType, table.schema);
    // The run record stays small: the full per-series report lives in _meta/silver/tables/.
    this.touched.push({
      ...report,
      seriesTotal: report.series.length,
      series: report.series.filter((s) => s.gaps?.count).slice(0, 20),
    });
  }

  /** The run's summary, stored (without the per-file reports, which sit in the states) and returned. */
  async summarize(): Promise<SilverRunSummary> {
    const counts = this.counts;
    const status: SilverRunSummary["status"] = this.signal?.aborted
      ? "cancelled"
      : counts.failed > 0
        ? "completed_with_failures"
        : "completed";
    const summary: SilverRunSummary = {
      runId: this.runId,
      status,
      startedAt: new Date(this.progress.startedAt).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - this.progress.startedAt,
      selection: this.selection,
      planned: this.progress.planned,
      counts,
      csvBytes: this.progress.csvBytes,
      parquetBytes: this.parquetBytes,
      rows: this.progress.rows,
      duplicatesDropped: this.duplicatesDropped,
      failures: this.failures,
      tables: this.touched,
      files: this.converted.sort((a, b) =>
        a.bronzeKey < b.bronzeKey ? -1 : a.bronzeKey > b.bronzeKey ? 1 : 0,
      ),
      notes: this.notes,
      output: this.storage.location,
    };
    // A large run's list of file reports would make the record tens of MB; each is in its file's state already.
    const { files: _files, ...record } = summary;
    await this.storage.put(
      silverRunKey(this.runId),
      { data: JSON.stringify(record, null, 2) },
      { contentType: "application/json" },
    );
    this.logger.info("silver build finished", { status, counts });
    return summary;
  }
}
