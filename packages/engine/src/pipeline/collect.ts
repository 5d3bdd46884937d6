// The collect run: plan → skip what bronze already holds → batches → executor → summary under _meta/.
import { randomBytes } from "node:crypto";
import type {
  ArchiveFile,
  Catalog,
  CollectJob,
  Downloader,
  Executor,
  FileResult,
  Logger,
  Outcome,
  PlanNote,
  ResolvedConfig,
  RunSummary,
  StorageBackend,
} from "@crypto-lakehouse/core";
import { checkRunId, redactSecrets } from "@crypto-lakehouse/core";
import { type Lister, type Plan, planFiles } from "../plan/planner.js";
import { ChangeRecorder } from "./history.js";
import { BronzeIndex, RefetchNotes } from "./resume.js";
import { executeRun, type RunTally } from "./run.js";

export { batchId, type FailedRun, failedRunOf } from "./run.js";

export interface CollectDeps {
  catalog: Catalog;
  downloader: Downloader;
  storage: StorageBackend;
  executor: Executor;
  logger: Logger;
}

export interface Progress {
  runId: string;
  /** Files planned so far; final once `planComplete`. */
  planned: number;
  planComplete: boolean;
  done: number;
  counts: Record<Outcome, number>;
  bytes: number;
  startedAt: number;
  last?: FileResult;
  /** Transfers the downloader allows in flight now, when it reports it (its adaptive concurrency). */
  concurrency?: number;
}

export interface CollectOptions {
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  today?: string;
  /** Serializable description for remote workers (queue executors). */
  job?: Omit<CollectJob, "runId">;
  /** Plans the run instead of the request's own plan (`lakehouse sync`: several followed selections at once). */
  plan?: (lister: Lister) => Plan;
  /** What the summary records as the run's request, with `plan` (never secrets). */
  request?: unknown;
}

export function newRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

/** A run's settings and, unless `opts.plan` plans it (`sync`), the request to plan. */
export type CollectConfig = Pick<ResolvedConfig, "settings"> & { request?: ResolvedConfig["request"] };

/** What one collect run keeps while its plan is read: the plan's notes, re-fetches and replaced versions. */
interface CollectState {
  notes: PlanNote[];
  readonly refetched: RefetchNotes;
  readonly changes: ChangeRecorder;
  readonly list: Lister;
}

/** The plan, minus what bronze already holds (counted as skipped); started once the store is writable. */
function toFetch(
  deps: CollectDeps,
  config: CollectConfig,
  opts: CollectOptions,
  state: CollectState,
  tally: RunTally,
): AsyncIterable<ArchiveFile> {
  const { request, settings } = config;
  const { list } = state;
  const plan = opts.plan
    ? opts.plan(list)
    : planFiles(request!, {
        catalog: deps.catalog,
        lister: list,
        ...(opts.today ? { today: opts.today } : {}),
      });
  state.notes = plan.notes;
  const index =
    settings.resume && !settings.forceRedownload
      ? new BronzeIndex(deps.storage, {
          verify: settings.verify,
          // Listed only for stored files without a .CHECKSUM beside them (see BronzeIndexOptions.archive).
          archive: (prefix: string) => list(prefix),
          ...(settings.refreshChanged ? { remote: (prefix: string) => list(prefix) } : {}),
        })
      : undefined;
  return notStored(countPlanned(plan.files, tally.progress), index, deps.logger, state, tally);
}

/** Counts each file as the plan yields it, before its resume check (which may fail, or look ahead). */
async function* countPlanned(
  files: AsyncIterable<ArchiveFile>,
  progress: Progress,
): AsyncGenerator<ArchiveFile> {
  for await (const f of files) {
    progress.planned++;
    yield f;
  }
}

/** The planned files bronze does not hold yet, or holds a version of that must be fetched again. */
async function* notStored(
  planned: AsyncIterable<ArchiveFile>,
  index: BronzeIndex | undefined,
  logger: Logger,
  state: CollectState,
  { onFile, planComplete }: RunTally,
): AsyncGenerator<ArchiveFile> {
  const decided = index
    ? index.checkAll(planned)
    : (async function* () {
        for await (const f of planned) yield [f, undefined] as const;
      })();
  for await (const [f, decision] of decided) {
    if (decision?.done) {
      onFile({
        file: f,
        outcome: "skipped",
        bytes: 0,
        durationMs: 0,
        reason: decision.reason ?? "already in bronze and verified",
      });
      continue;
    }
    if (decision && decision.why !== "absent") {
      state.refetched.add(f, decision);
      logger.info("fetching a stored file again", { key: f.key, reason: decision.reason });
      // Nothing is lost: a version the archive replaced is kept before the new one overwrites it.
      await state.changes.preserve(f, decision.remote, decision.reason, decision.why === "changed");
    }
    yield f;
  }
  planComplete();
}

/** What the run summary records of a collect run: its request, public settings and notes. */
function recordOf(config: CollectConfig, opts: CollectOptions, state: CollectState) {
  const { notes, refetched, changes } = state;
  return {
    request: opts.request ?? { ...config.request, notes: undefined },
    settings: publicSettings(config.settings),
    notes: [
      ...notes.map((n) => `${n.market ? `${n.market}: ` : ""}${n.message}`),
      ...refetched.notes(),
      ...(changes.count
        ? [`${changes.count} changed in the archive: the replaced versions are kept (lakehouse changes)`]
        : []),
    ],
  };
}

export async function runCollection(
  deps: CollectDeps,
  config: CollectConfig,
  opts: CollectOptions = {},
): Promise<RunSummary> {
  if (opts.runId !== undefined) checkRunId(opts.runId);
  // `sync` plans its followed selections itself; every other run plans its request.
  if (!config.request && !opts.plan) throw new TypeError("runCollection needs a request or a plan");
  const { downloader, storage, executor } = deps;
  const { settings } = config;
  const runId = opts.runId ?? newRunId();
  const state: CollectState = {
    notes: [],
    refetched: new RefetchNotes(),
    changes: new ChangeRecorder(storage, runId, deps.logger),
    list: (prefix: string, delimiter?: string) =>
      downloader.list(prefix, {
        delimiter: delimiter ?? "/",
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
  };
  const summary = await executeRun(deps, {
    runId,
    // Callers bind the run id to the logger (every plugin logs through it), so it is not added again here.
    logger: deps.logger,
    files: (tally) => toFetch(deps, config, opts, state, tally),
    batchSize: settings.batchSize,
    concurrency: settings.concurrency,
    verify: settings.verify,
    zipTest: settings.zipTest,
    signal: opts.signal,
    onProgress: opts.onProgress,
    today: opts.today,
    job: opts.job,
    started: {
      message: "collect started",
      fields: { output: storage.location, downloader: downloader.id, executor: executor.id },
    },
    record: () => recordOf(config, opts, state),
  });
  await state.changes.finish();
  deps.logger.info("collect finished", {
    status: summary.status,
    counts: summary.counts,
    bytes: summary.bytes,
  });
  return summary;
}

/**
 * Settings as recorded: never credentials. Storage options may hold some (only their kind is kept); URL-valued
 * settings (queue, endpoint, output, extra args) may carry `user:password@` or `?token=` (masked).
 */
function publicSettings(s: ResolvedConfig["settings"]): Record<string, unknown> {
  const { storage, executor, ...rest } = s;
  return redactSecrets({
    ...rest,
    ...(storage ? { storage: { kind: storage.kind } } : {}),
    ...(executor ? { executor: { kind: executor.kind } } : {}),
  });
}
