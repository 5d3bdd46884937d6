// The one composition root: a Runtime is a run's DI container with a small typed face. The programmatic API,
// every CLI command and the worker take what they need from it — the store, the downloader, the executor, the
// markets — each created by the same factory from the same validated choice, and closed together.
import {
  type ArchiveFile,
  type CancelResult,
  type Catalog,
  type CollectionRequest,
  type CollectJob,
  type CollectSettings,
  type Downloader,
  type DownloaderPlugin,
  type DownloaderSettings,
  type Executor,
  type ExecutorPlugin,
  type ExecutorRun,
  LakehouseError,
  type Logger,
  type MarketPlugin,
  type RunSummary,
  type StorageBackend,
  type StoragePlugin,
  type SyncSchedule,
  type SyncScheduleSpec,
  silentLogger,
} from "@crypto-lakehouse/core";
import type { CollectFilesOptions, CollectOptions } from "@crypto-lakehouse/engine";
import type { DependencyContainer } from "tsyringe";
import { disposeContainer, type LakeParts, lakeContainer, TOKENS } from "./container.js";
import type { Choice } from "./selection.js";

export interface RuntimeOptions {
  logger?: Logger;
}

export interface Runtime {
  readonly container: DependencyContainer;
  readonly logger: Logger;
  readonly catalog: Catalog;
  readonly settings: CollectSettings;
  /** The lakehouse store (`--output`, `output_directory` or `storage: {kind, …}`). */
  storage(): Promise<StorageBackend>;
  /** The archive downloader (`downloader`), for listing and fetching. */
  downloader(): Promise<Downloader>;
  /** The executor that runs batches (`executor`, `queue`). */
  executor(): Promise<Executor>;
  /** Every market known (built-in and from plugins), the matrix overlay applied. */
  markets(): MarketPlugin[];
  /** The run as queued jobs describe it to workers: plugins by id, options made portable. */
  job(): Promise<Omit<CollectJob, "runId">>;
  /** The store as queued jobs name it to workers (its plugin's `portable` hook applied). */
  storageJob(): Promise<{ id: string; options: unknown }>;
  /** Plans `request`, skips what bronze holds, runs the rest through the executor, records the summary. */
  /** (`request` may be absent when `opts.plan` plans the run, as `sync` does.) */
  collect(request: CollectionRequest | undefined, opts?: CollectOptions): Promise<RunSummary>;
  /** Fetches exactly `files` through the same pipeline (verify --repair). */
  collectFiles(files: readonly ArchiveFile[], opts: Omit<CollectFilesOptions, "job">): Promise<RunSummary>;
  /** Runs the executor knows (`lakehouse runs --queue/--executor`). */
  executorRuns(): Promise<ExecutorRun[]>;
  /** Cancels a run on the executor (`lakehouse cancel`). */
  cancelRun(runId: string): Promise<CancelResult>;
  /** `lakehouse cancel ID`: removes the repeatable sync of that id if the executor keeps one, else cancels the run. */
  cancel(id: string): Promise<{ schedule: { id: string; removed: boolean } } | { run: CancelResult }>;
  /** Repeatable syncs the executor keeps (none when it keeps none). */
  schedules(): Promise<SyncSchedule[]>;
  /** Registers the lakehouse's repeatable sync on the executor (`sync --every`). */
  scheduleSync(everyMs: number, spec: SyncScheduleSpec): Promise<SyncSchedule>;
  /** Removes a repeatable sync by its id or its lakehouse's output (`sync --every off`). */
  unscheduleSync(idOrOutput: string): Promise<{ id: string; removed: boolean }>;
  /** Checks every plugin choice and its options (exit-2 errors) before anything is created. */
  check(): Promise<void>;
  dispose(): Promise<void>;
}

type ExecutorOps = Pick<
  Runtime,
  "executorRuns" | "cancelRun" | "cancel" | "schedules" | "scheduleSync" | "unscheduleSync"
>;

/** What the CLI asks of the executor beyond running batches, through its optional hooks (never its id). */
function executorOps(choice: () => Promise<Choice<ExecutorPlugin>>, logger: Logger): ExecutorOps {
  const deps = { logger };
  const hooked = async <K extends "listRuns" | "cancel" | "schedules">(hook: K, what: string) => {
    const { plugin, options } = await choice();
    if (!plugin[hook]) {
      throw new LakehouseError(
        "UNSUPPORTED",
        `The '${plugin.id}' executor cannot ${what}; name one that can with --queue or --executor`,
      );
    }
    return { plugin: plugin as ExecutorPlugin & Required<Pick<ExecutorPlugin, K>>, options };
  };
  const cancelRun = async (runId: string) => {
    const { plugin, options } = await hooked("cancel", "cancel runs");
    return plugin.cancel(options, runId, deps);
  };
  const schedules = async () => {
    const { plugin, options } = await choice();
    return plugin.schedules ? plugin.schedules.list(options, deps) : [];
  };
  return {
    async executorRuns() {
      const { plugin, options } = await hooked("listRuns", "list runs");
      return plugin.listRuns(options, deps);
    },
    cancelRun,
    schedules,
    async cancel(id) {
      const { plugin, options } = await choice();
      if (plugin.schedules && (await schedules()).some((s) => s.id === id)) {
        return { schedule: await plugin.schedules.remove(options, id, deps) };
      }
      return { run: await cancelRun(id) };
    },
    async scheduleSync(everyMs, spec) {
      const { plugin, options } = await hooked("schedules", "run repeatable syncs");
      return plugin.schedules.add(options, everyMs, spec, deps);
    },
    async unscheduleSync(idOrOutput) {
      const { plugin, options } = await hooked("schedules", "run repeatable syncs");
      return plugin.schedules.remove(options, idOrOutput, deps);
    },
  };
}

/** A runtime for the settings: nothing is loaded or created until asked for. */
export function openRuntime(lake: LakeParts, opts: RuntimeOptions = {}): Runtime {
  const logger = opts.logger ?? silentLogger;
  const c = lakeContainer(lake, logger);
  const get = <T>(token: symbol) => c.resolve<Promise<T>>(token);
  const storage = () => get<StorageBackend>(TOKENS.Storage);
  const downloader = () => get<Downloader>(TOKENS.Downloader);
  const executor = () => get<Executor>(TOKENS.Executor);
  const check = async () => {
    await Promise.all([get(TOKENS.DownloaderChoice), get(TOKENS.StorageChoice), get(TOKENS.ExecutorChoice)]);
  };
  const parts = async () => {
    await check();
    const [d, s, e] = await Promise.all([downloader(), storage(), executor()]);
    return { catalog: lake.catalog, downloader: d, storage: s, executor: e, logger };
  };
  const storageJob = async () => {
    const s = await get<Choice<StoragePlugin>>(TOKENS.StorageChoice);
    return { id: s.plugin.id, options: s.plugin.portable ? s.plugin.portable(s.options) : s.options };
  };
  const job = async (): Promise<Omit<CollectJob, "runId">> => {
    const d = await get<Choice<DownloaderPlugin>>(TOKENS.DownloaderChoice);
    const settings = { ...c.resolve<DownloaderSettings>(TOKENS.DownloaderSettings) };
    return {
      downloader: { id: d.plugin.id, settings, options: d.options },
      storage: await storageJob(),
      verify: lake.settings.verify,
      zipTest: lake.settings.zipTest,
      plugins: lake.settings.plugins,
    };
  };
  return {
    container: c,
    logger,
    catalog: lake.catalog,
    settings: lake.settings,
    storage,
    downloader,
    executor,
    markets: () => c.resolve<MarketPlugin[]>(TOKENS.Markets),
    job,
    storageJob,
    check,
    async collect(request, o = {}) {
      const deps = await parts();
      const j = await job();
      // The engine loads with the first run: commands that only read the lake or plan do not pay for it.
      const { runCollection } = await import("@crypto-lakehouse/engine");
      const config = { settings: lake.settings, ...(request ? { request } : {}) };
      return runCollection(deps, config, { ...o, job: { ...j, ...o.job } });
    },
    async collectFiles(files, o) {
      const deps = await parts();
      // What the repair asks for (always verified) travels to workers too.
      const j = { ...(await job()), verify: o.verify, ...(o.zipTest ? { zipTest: o.zipTest } : {}) };
      const { collectFiles } = await import("@crypto-lakehouse/engine");
      return collectFiles(deps, files, { ...o, job: j });
    },
    ...executorOps(() => get<Choice<ExecutorPlugin>>(TOKENS.ExecutorChoice), logger),
    dispose: () => disposeContainer(c),
  };
}

/** A runtime whose plugin choices are all checked (exit-2 errors) before it is returned. */
export async function createRuntime(lake: LakeParts, opts: RuntimeOptions = {}): Promise<Runtime> {
  const rt = openRuntime(lake, opts);
  try {
    await rt.check();
  } catch (e) {
    await rt.dispose();
    throw e;
  }
  return rt;
}
