// `sync`: brings a lakehouse up to today in one idempotent run — every followed selection (given, or read back from
// the lakehouse's own run records) planned up to today from the archive's listing, stored files the archive changed
// refreshed (their old versions kept), the rest skipped; `dryRun` sizes it up instead.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  type ArchiveFile,
  LakehouseError,
  type Logger,
  type PlanNote,
  REAL_ARCHIVE,
  type RunSummary,
  silentLogger,
} from "@crypto-lakehouse/core";
import {
  type FollowedSelection,
  type Lister,
  type PlanEstimate,
  planFiles,
} from "@crypto-lakehouse/engine/plan";
import { type CollectApiOptions, type CollectResult, CollectRunError } from "./api.js";
import type { ResolvedLake, ResolvedRun } from "./resolve.js";
import { createRuntime, type Runtime } from "./runtime.js";

export interface SyncOptions extends CollectApiOptions {
  /** Follow this selection (the run's request) instead of the ones the lakehouse's run records hold. */
  explicit?: boolean;
  /** Only size it up: files and bytes from the listing, what is already there, and the time it would take. */
  dryRun?: boolean;
  /** Update the coverage (and its SQL table) after the run (default true). */
  coverage?: boolean;
}

export interface SyncResult {
  selections: FollowedSelection[];
  notes: string[];
  /** The run (absent with `dryRun`). */
  summary?: CollectResult;
  /** With `dryRun`. */
  estimate?: PlanEstimate;
  /** The coverage after the run (the `coverage` SQL table is rewritten), unless `coverage: false`. */
  coverage?: { totals: Record<string, number>; series: number };
}

function followedOf(run: Pick<ResolvedRun, "request">): FollowedSelection {
  const { markets, start, partitions } = run.request;
  return { markets, partitions, ...(start ? { start } : {}) };
}

/** The listing function every plan of a runtime uses. */
function listerOf(runtime: Runtime, signal?: AbortSignal): Lister {
  return async function* (prefix, delimiter) {
    const downloader = await runtime.downloader();
    yield* downloader.list(prefix, { delimiter: delimiter ?? "/", ...(signal ? { signal } : {}) });
  };
}

/** Files and bytes the plan means, what bronze holds already, and the time the rest would take. */
async function estimate(runtime: Runtime, plan: AsyncIterable<ArchiveFile>, lister: Lister) {
  const { BronzeIndex, estimatePlan } = await import("@crypto-lakehouse/engine");
  const { settings } = runtime;
  const storage = await runtime.storage();
  const index =
    settings.resume && !settings.forceRedownload
      ? new BronzeIndex(storage, { verify: settings.verify })
      : undefined;
  return estimatePlan(plan, { lister, storage, ...(index ? { index } : {}) });
}

/** The nearest existing folder at or above a local output (statfs needs one). */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * Refuses a run the local disk clearly cannot hold (error `NO_SPACE`): sizes the plan from the archive's listing
 * (one listing per folder) minus what bronze holds. Stores that are not local are not checked.
 */
export async function checkLocalRoom(
  runtime: Runtime,
  plan: (lister: Lister) => AsyncIterable<ArchiveFile>,
): Promise<PlanEstimate | undefined> {
  const storage = await runtime.storage();
  if (!storage.localPath) return undefined;
  // An output that cannot be written at all is that error, not a lack of space.
  await storage.checkWritable();
  const lister = listerOf(runtime);
  let e: PlanEstimate;
  try {
    e = await estimate(runtime, plan(lister), lister);
  } catch (err) {
    // No estimate (the archive unreachable, a listing refused): the run itself reports what is wrong.
    runtime.logger.debug("no space check: the plan could not be sized", { error: (err as Error).message });
    return undefined;
  }
  const { assertRoomFor } = await import("@crypto-lakehouse/engine");
  await assertRoomFor(existingAncestor(runtime.settings.output), e.toFetch, storage.location);
  return e;
}

/** The plan of a collect run, for `checkLocalRoom`. */
export function requestPlan(run: ResolvedRun, today?: string) {
  return (lister: Lister) =>
    planFiles(run.request, { catalog: run.catalog, lister, ...(today ? { today } : {}) }).files;
}

/**
 * Syncs a lakehouse: with a run (`options.explicit`) its selection, otherwise (a lake without a selection, or not
 * explicit) the selections its run records follow.
 */
export async function syncResolved(
  run: ResolvedLake | ResolvedRun,
  options: SyncOptions = {},
): Promise<SyncResult> {
  // The collect pipeline loads with the run: `plan` and `--help` do not pay for it.
  const { failedRunOf, followedSelections, newRunId, planSync } = await import("@crypto-lakehouse/engine");
  const runId = options.runId ?? newRunId();
  // A sync always refreshes what the archive changed: "up to today" includes re-uploads.
  const synced: ResolvedLake = { ...run, settings: { ...run.settings, refreshChanged: true } };
  const runtime = await createRuntime(synced, {
    logger: (options.logger ?? silentLogger).child({ runId }),
  });
  try {
    const notes: PlanNote[] = [];
    const storage = await runtime.storage();
    const selections =
      options.explicit && "request" in run
        ? [followedOf(run)]
        : await followedSelections(storage, run.catalog, notes);
    if (!selections.length) {
      throw new LakehouseError(
        "CONFIG_INVALID",
        `Nothing to sync: ${storage.location} follows no selection yet (no collect or sync run recorded in _meta/runs/)`,
        {
          details: [
            "Give one (--market, --symbols, --data-types …; globs like '*USDT' pick up new symbols), or collect first.",
          ],
        },
      );
    }
    const today = options.today;
    const planOf = (lister: Lister) =>
      planSync(selections, { catalog: run.catalog, lister, ...(today ? { today } : {}) });
    const text = (n: PlanNote) => `${n.market ? `${n.market}: ` : ""}${n.message}`;
    if (options.dryRun) {
      const lister = listerOf(runtime, options.signal);
      const plan = planOf(lister);
      const e = await estimate(runtime, plan.files, lister);
      return { selections, estimate: e, notes: [...notes, ...plan.notes].map(text) };
    }
    if (options.spaceCheck !== false) await checkLocalRoom(runtime, (lister) => planOf(lister).files);
    let summary: RunSummary;
    try {
      summary = await runtime.collect(undefined, {
        runId,
        plan: planOf,
        request: { command: "sync", selections },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(today ? { today } : {}),
      });
    } catch (e) {
      const failed = failedRunOf(e);
      throw failed ? new CollectRunError(e, failed) : e;
    }
    const coverage = options.coverage === false ? undefined : await updateCoverage(runtime, notes, today);
    return {
      selections,
      notes: notes.map(text),
      summary: { ...summary, ok: summary.status === "completed" },
      ...(coverage ? { coverage } : {}),
    };
  } finally {
    await runtime.dispose();
  }
}

/** Recomputes the coverage of everything bronze holds (from the cached listing) and its SQL table; best effort. */
async function updateCoverage(
  runtime: Runtime,
  notes: PlanNote[],
  today: string | undefined,
): Promise<SyncResult["coverage"]> {
  try {
    const { computeCoverage } = await import("@crypto-lakehouse/coverage");
    const s = runtime.settings;
    const summary = await computeCoverage({
      storage: await runtime.storage(),
      catalog: runtime.catalog,
      lister: listerOf(runtime),
      source: `${s.endpoint ?? REAL_ARCHIVE.endpoint}/${s.bucket}`,
      ...(today ? { today } : {}),
    });
    return { totals: { ...summary.totals }, series: summary.series.length };
  } catch (e) {
    notes.push({ level: "warn", message: `coverage not updated: ${(e as Error).message}` });
    return undefined;
  }
}

/** `plan --estimate`: the request's files and bytes from the listing, what the lakehouse holds, the time it would take. */
export async function estimateResolved(
  run: ResolvedRun,
  options: { logger?: Logger; today?: string } = {},
): Promise<PlanEstimate> {
  const runtime = await createRuntime(run, { logger: options.logger ?? silentLogger });
  try {
    const lister = listerOf(runtime);
    return await estimate(runtime, requestPlan(run, options.today)(lister), lister);
  } finally {
    await runtime.dispose();
  }
}
