// The DI container of one run (or one queued job): every part is a factory registration that resolves what it
// needs from the same container, so each entry point gets exactly the parts it asks for, built one way.
import { createRequire } from "node:module";
import type {
  Catalog,
  CollectJob,
  CollectSettings,
  Downloader,
  DownloaderPlugin,
  DownloaderSettings,
  Executor,
  ExecutorPlugin,
  Logger,
  MarketPlugin,
  QueueJob,
  RawConfig,
  StorageBackend,
  StoragePlugin,
} from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";
import type { DependencyContainer, FactoryFunction } from "tsyringe";
import type { PluginRegistry } from "./registry.js";
import {
  type Choice,
  downloaderSelection,
  executorSelection,
  jobSelections,
  storageSelection,
} from "./selection.js";

const require = createRequire(import.meta.url);
let di: typeof import("tsyringe") | undefined;

/**
 * tsyringe (and the reflect polyfill it insists on), loaded with the first container: commands that never open
 * a runtime (`plan` without listing, `--help`) do not pay for them.
 */
function tsyringe(): typeof import("tsyringe") {
  if (!di) {
    require("reflect-metadata");
    di = require("tsyringe") as typeof import("tsyringe");
  }
  return di;
}

export const TOKENS = {
  Logger: Symbol("Logger"),
  Registry: Symbol("PluginRegistry"),
  /** The settings of a run (config and flags), for runs; absent in a queued job's container. */
  Settings: Symbol("CollectSettings"),
  Sources: Symbol("Sources"),
  Catalog: Symbol("Catalog"),
  Markets: Symbol("Markets"),
  DownloaderSettings: Symbol("DownloaderSettings"),
  StorageChoice: Symbol("StorageChoice"),
  DownloaderChoice: Symbol("DownloaderChoice"),
  ExecutorChoice: Symbol("ExecutorChoice"),
  Storage: Symbol("Storage"),
  Downloader: Symbol("Downloader"),
  Executor: Symbol("Executor"),
  /** What was created and must be closed (each instance factory adds to it). */
  Closers: Symbol("Closers"),
} as const;

type Closer = { close?(): Promise<void> };

/** One async part, created once per container on first resolve. */
function once<T>(c: DependencyContainer, token: symbol, make: FactoryFunction<Promise<T>>): void {
  c.register(token, { useFactory: tsyringe().instanceCachingFactory(make) });
}

/** Storage, downloader and executor from their chosen plugins; each is closed when the container is. */
function registerParts(c: DependencyContainer): void {
  const deps = (d: DependencyContainer) => ({ logger: d.resolve<Logger>(TOKENS.Logger) });
  const made = <T extends Closer>(d: DependencyContainer, p: Promise<T>): Promise<T> =>
    p.then((x) => {
      d.resolve<Closer[]>(TOKENS.Closers).push(x);
      return x;
    });
  once<StorageBackend>(c, TOKENS.Storage, async (d) => {
    const { plugin, options } = await d.resolve<Promise<Choice<StoragePlugin>>>(TOKENS.StorageChoice);
    return made(d, Promise.resolve(plugin.create(options, deps(d))));
  });
  once<Downloader>(c, TOKENS.Downloader, async (d) => {
    const { plugin, options } = await d.resolve<Promise<Choice<DownloaderPlugin>>>(TOKENS.DownloaderChoice);
    const settings = d.resolve<DownloaderSettings>(TOKENS.DownloaderSettings);
    return made(d, Promise.resolve(plugin.create(settings, options, deps(d))));
  });
  once<Executor>(c, TOKENS.Executor, async (d) => {
    const { plugin, options } = await d.resolve<Promise<Choice<ExecutorPlugin>>>(TOKENS.ExecutorChoice);
    return made(d, Promise.resolve(plugin.create(options, deps(d))));
  });
}

/** The settings every downloader honours, from a run's settings. */
export function downloaderSettings(s: CollectSettings): DownloaderSettings {
  return {
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.objectEndpoint ? { objectEndpoint: s.objectEndpoint } : {}),
    region: s.region,
    bucket: s.bucket,
    concurrency: s.concurrency,
    adaptiveConcurrency: s.adaptiveConcurrency,
    timeoutSeconds: s.timeoutSeconds,
    retries: s.retries,
    partSizeMb: s.partSizeMb,
  };
}

export interface LakeParts {
  settings: CollectSettings;
  catalog: Catalog;
  registry: PluginRegistry;
  sources?: Partial<Record<keyof RawConfig, string>>;
}

/** The container of a run: its settings choose the plugins; nothing is created until resolved. */
export function lakeContainer(lake: LakeParts, logger: Logger): DependencyContainer {
  const c = tsyringe().container.createChildContainer();
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Registry, { useValue: lake.registry });
  c.register(TOKENS.Settings, { useValue: lake.settings });
  c.register(TOKENS.Sources, { useValue: lake.sources ?? {} });
  c.register(TOKENS.Catalog, { useValue: lake.catalog });
  c.register(TOKENS.Markets, { useValue: [...lake.catalog.markets.values()] satisfies MarketPlugin[] });
  c.register(TOKENS.Closers, { useValue: [] as Closer[] });
  c.register(TOKENS.DownloaderSettings, { useValue: downloaderSettings(lake.settings) });
  once(c, TOKENS.StorageChoice, () => storageSelection(lake.registry, lake.settings));
  once(c, TOKENS.DownloaderChoice, () => downloaderSelection(lake.registry, lake.settings));
  once(c, TOKENS.ExecutorChoice, () => executorSelection(lake.registry, lake.settings, lake.sources));
  registerParts(c);
  return c;
}

export interface JobOverrides {
  /** A worker's `--downloader`. */
  downloader?: string;
  /** A worker's `--concurrency`. */
  concurrency?: number;
}

/** The container of a queued job on a worker: the job chooses the plugins (the worker may override some). */
export function jobContainer(
  job: Pick<QueueJob, "runId" | "storage"> & Partial<Pick<CollectJob, "downloader">>,
  registry: PluginRegistry,
  logger: Logger,
  o: JobOverrides = {},
): DependencyContainer {
  const c = tsyringe().container.createChildContainer();
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Registry, { useValue: registry });
  c.register(TOKENS.Closers, { useValue: [] as Closer[] });
  c.register(TOKENS.DownloaderSettings, {
    useValue: {
      ...(job.downloader?.settings as unknown as DownloaderSettings),
      // A worker's own --concurrency is a cap the user set.
      ...(o.concurrency ? { concurrency: o.concurrency, adaptiveConcurrency: false } : {}),
    },
  });
  const chosen = jobSelections(registry, job, o.downloader);
  // Both are checked before either is created.
  chosen.catch(() => {});
  once(c, TOKENS.StorageChoice, async () => (await chosen).storage);
  once(c, TOKENS.DownloaderChoice, async () => {
    const { downloader } = await chosen;
    if (!downloader) throw new LakehouseError("CONFIG_INVALID", `Job ${job.runId} names no downloader`);
    return downloader;
  });
  registerParts(c);
  return c;
}

/** Closes every part the container created, then the container. */
export async function disposeContainer(c: DependencyContainer): Promise<void> {
  await Promise.allSettled(c.resolve<Closer[]>(TOKENS.Closers).map((x) => x.close?.()));
  await c.dispose();
}
