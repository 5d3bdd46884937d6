// The programmatic API — what the specification called `workflow.execute()`:
//   const result = await collect({ markets: ["spot"], symbols: ["BTCUSDT"], data_types: ["klines"], … });
import {
  type ArchiveFile,
  checkRunId,
  isLakehouseError,
  LakehouseError,
  type Logger,
  type Outcome,
  type PlanNote,
  type RawConfig,
  type RunSummary,
  silentLogger,
} from "@crypto-lakehouse/core";
import type { FailedRun, Progress } from "@crypto-lakehouse/engine";
import { planFiles } from "@crypto-lakehouse/engine/plan";
import type { PluginRegistry } from "./registry.js";
import { type ResolvedRun, resolveRun } from "./resolve.js";
import { createRuntime, openRuntime } from "./runtime.js";
import { checkLocalRoom, requestPlan } from "./sync.js";

export interface CommonOptions {
  /** Folder that relative `matrix_path` and `plugins` entries are resolved from (default: cwd). */
  baseDir?: string;
  /** Which keys came from CLI flags, for error messages. */
  sources?: Partial<Record<keyof RawConfig, string>>;
  logger?: Logger;
  registry?: PluginRegistry;
  /** "Today" in UTC (`YYYY-MM-DD`), for tests. */
  today?: string;
}

export interface CollectApiOptions extends CommonOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  runId?: string;
  /**
   * On a local lakehouse, size the selection from the archive's listing first and refuse (`NO_SPACE`) when the
   * disk clearly cannot hold what would be downloaded (default true).
   */
  spaceCheck?: boolean;
}

export interface CollectResult extends RunSummary {
  /** True when the run completed with nothing failed or mismatched (false when it was cancelled). */
  ok: boolean;
}

export type Config = RawConfig | Record<string, unknown>;

/**
 * What `collect()` rejects with when a run fails fatally after it started (a listing that fails, a store that
 * breaks, a queue that goes away): the original error's code, message, details and retryability (it is the
 * `cause`), plus the run's id and its summary (`status: "failed"`, the counts and bytes so far, the error).
 * The summary is in the store at `_meta/runs/<runId>.json` unless `recorded` is false (the store is what broke).
 * Errors before a run starts (invalid config, an unwritable output, a missing tool) are thrown as they are.
 */
export class CollectRunError extends LakehouseError {
  readonly runId: string;
  readonly summary: RunSummary;
  /** Whether the summary reached `_meta/runs/` in the store. */
  readonly recorded: boolean;

  constructor(cause: unknown, run: FailedRun) {
    // Message and details as recorded: masked like the summary, so a URL's credentials are not printed.
    const { code, message, details } = run.summary.error ?? {
      code: "INTERNAL" as const,
      message: String(cause),
    };
    super(code, message, {
      cause,
      retryable: isLakehouseError(cause) && cause.retryable,
      ...(details ? { details } : {}),
    });
    this.runId = run.summary.runId;
    this.summary = run.summary;
    this.recorded = run.recorded;
  }
}

/**
 * Plans, downloads, verifies and stores the selection; resolves with the run's summary (also written to
 * `_meta/runs/<runId>.json`), whatever the files' outcomes. Rejects when the run cannot go on: with a
 * `CollectRunError` (carrying the run id and its failed summary) once the run has started, else with the
 * `LakehouseError` that stopped it before (bad config, unwritable output).
 */
export async function collect(config: Config, options: CollectApiOptions = {}): Promise<CollectResult> {
  const run = await resolveRun(config, options);
  return collectResolved(run, options);
}

export async function collectResolved(
  run: ResolvedRun,
  options: CollectApiOptions = {},
): Promise<CollectResult> {
  // The collect pipeline loads with the run: `plan` and `--help` do not pay for it.
  const { failedRunOf, newRunId } = await import("@crypto-lakehouse/engine");
  // Every log line of a run carries its id, including the plugins' own.
  const runId = options.runId !== undefined ? checkRunId(options.runId) : newRunId();
  const runtime = await createRuntime(run, { logger: (options.logger ?? silentLogger).child({ runId }) });
  try {
    if (options.spaceCheck !== false) await checkLocalRoom(runtime, requestPlan(run, options.today));
    const summary = await runtime.collect(run.request, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      runId,
      ...(options.today ? { today: options.today } : {}),
    });
    return { ...summary, ok: summary.status === "completed" };
  } catch (e) {
    const failed = failedRunOf(e);
    throw failed ? new CollectRunError(e, failed) : e;
  } finally {
    await runtime.dispose();
  }
}

export interface PlanCounts {
  total: number;
  /** `market/dataType/partition` → files. */
  byGroup: Record<string, number>;
}

export interface PlanResult {
  notes: PlanNote[];
  files: AsyncIterable<ArchiveFile>;
  /** Releases the downloader used for listing (only needed when the plan used discovery). */
  dispose(): Promise<void>;
}

/** Plans without downloading. Listing (symbol globs, open start dates) uses the configured downloader. */
export async function plan(config: Config, options: CommonOptions = {}): Promise<PlanResult> {
  const run = await resolveRun(config, options);
  return planResolved(run, options);
}

export async function planResolved(run: ResolvedRun, options: CommonOptions = {}): Promise<PlanResult> {
  const needsListing = !run.request.start || run.request.markets.some((m) => m.patterns.length > 0);
  let dispose = async () => {};
  let lister: Parameters<typeof planFiles>[1]["lister"];
  if (needsListing) {
    const runtime = openRuntime(run, { logger: options.logger ?? silentLogger });
    lister = async function* (prefix, delimiter) {
      yield* (await runtime.downloader()).list(prefix, { delimiter: delimiter ?? "/" });
    };
    dispose = () => runtime.dispose();
  }
  const p = planFiles(run.request, {
    catalog: run.catalog,
    ...(lister ? { lister } : {}),
    ...(options.today ? { today: options.today } : {}),
  });
  return { notes: p.notes, files: p.files, dispose };
}

export function groupKey(f: ArchiveFile): string {
  return `${f.market}/${f.dataType}/${f.partition}`;
}

export type { Outcome, Progress, RunSummary };
