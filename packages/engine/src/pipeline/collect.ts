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
import { redactSecrets } from "@crypto-lakehouse/core";
import { planFiles } from "../plan/planner.js";
import { BronzeIndex, RefetchNotes, type ResumeDecision } from "./resume.js";
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
}

export interface CollectOptions {
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  today?: string;
  /** Serializable description for remote workers (queue executors). */
  job?: Omit<CollectJob, "runId">;
}

export function newRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

/** The resume index for this run, or none when every planned file is fetched anyway. */
function resumeIndex(deps: CollectDeps, settings: ResolvedConfig["settings"], signal?: AbortSignal) {
  if (!settings.resume || settings.forceRedownload) return undefined;
  return new BronzeIndex(deps.storage, {
    verify: settings.verify,
    ...(settings.refreshChanged
      ? {
          remote: (prefix: string) =>
            deps.downloader.list(prefix, { delimiter: "/", ...(signal ? { signal } : {}) }),
        }
      : {}),
  });
}

/** The planned files as they come, each with its resume decision (none when resume is off). */
async function* decide(
  files: AsyncIterable<ArchiveFile>,
  index: BronzeIndex | undefined,
  progress: Progress,
): AsyncGenerator<readonly [ArchiveFile, ResumeDecision | undefined]> {
  // Counted as the plan yields a file, before its resume check (which may fail, or look ahead).
  const planned = (async function* () {
    for await (const f of files) {
      progress.planned++;
      yield f;
    }
  })();
  if (index) yield* index.checkAll(planned);
  else for await (const f of planned) yield [f, undefined] as const;
}

/** The plan, minus what bronze already holds (counted as skipped); started once the store is writable. */
async function* filesToFetch(
  deps: CollectDeps,
  plan: AsyncIterable<ArchiveFile>,
  index: BronzeIndex | undefined,
  refetched: RefetchNotes,
  { progress, onFile, planComplete }: RunTally,
): AsyncGenerator<ArchiveFile> {
  for await (const [f, decision] of decide(plan, index, progress)) {
    if (decision?.done) {
      onFile({ file: f, outcome: "skipped", bytes: 0, durationMs: 0, reason: "already in bronze and verified" });
      continue;
    }
    if (decision && decision.why !== "absent") {
      refetched.add(f, decision);
      deps.logger.info("fetching a stored file again", { key: f.key, reason: decision.reason });
    }
    yield f;
  }
  planComplete();
}

export async function runCollection(
  deps: CollectDeps,
  config: ResolvedConfig,
  opts: CollectOptions = {},
): Promise<RunSummary> {
  const { catalog, downloader, storage, executor } = deps;
  const { request, settings } = config;
  let notes: PlanNote[] = [];
  const refetched = new RefetchNotes();
  const toFetch = (tally: RunTally): AsyncIterable<ArchiveFile> => {
    const plan = planFiles(request, {
      catalog,
      lister: (prefix, delimiter) =>
        downloader.list(prefix, { delimiter: delimiter ?? "/", ...(opts.signal ? { signal: opts.signal } : {}) }),
      ...(opts.today ? { today: opts.today } : {}),
    });
    notes = plan.notes;
    return filesToFetch(deps, plan.files, resumeIndex(deps, settings, opts.signal), refetched, tally);
  };
  const summary = await executeRun(deps, {
    runId: opts.runId ?? newRunId(),
    // Callers bind the run id to the logger (every plugin logs through it), so it is not added again here.
    logger: deps.logger,
    files: toFetch,
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
    record: () => ({
      request: { ...request, notes: undefined },
      settings: publicSettings(settings),
      notes: [...notes.map((n) => `${n.market ? `${n.market}: ` : ""}${n.message}`), ...refetched.notes()],
    }),
  });
  deps.logger.info("collect finished", { status: summary.status, counts: summary.counts, bytes: summary.bytes });
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
