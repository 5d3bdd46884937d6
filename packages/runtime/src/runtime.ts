// The one composition root: builds the DI container for a run from the registry and resolved settings.
// The CLI, the worker and the programmatic API all come through here.
import "reflect-metadata";
import { resolve } from "node:path";
import {
  type Catalog,
  type Downloader,
  type DownloaderSettings,
  type Executor,
  formatZodIssues,
  LakehouseError,
  type Logger,
  type ResolvedConfig,
  type RunSummary,
  type StorageBackend,
  silentLogger,
  TOKENS,
} from "@crypto-lakehouse/core";
import { type CollectOptions, runCollection } from "@crypto-lakehouse/engine";
import { type DependencyContainer, inject, injectable, container as rootContainer } from "tsyringe";
import type { z } from "zod";
import type { PluginRegistry } from "./registry.js";
import type { ResolvedRun } from "./resolve.js";

export interface RuntimeOptions {
  logger?: Logger;
}

@injectable()
class CollectService {
  constructor(
    @inject(TOKENS.Catalog) private readonly catalog: Catalog,
    @inject(TOKENS.Downloader) private readonly downloader: Downloader,
    @inject(TOKENS.Storage) private readonly storage: StorageBackend,
    @inject(TOKENS.Executor) private readonly executor: Executor,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  run(config: ResolvedConfig, opts: CollectOptions): Promise<RunSummary> {
    const { catalog, downloader, storage, executor, logger } = this;
    return runCollection({ catalog, downloader, storage, executor, logger }, config, opts);
  }
}

export interface Runtime {
  container: DependencyContainer;
  catalog: Catalog;
  downloader: Downloader;
  storage: StorageBackend;
  executor: Executor;
  logger: Logger;
  collect(opts: CollectOptions): Promise<RunSummary>;
  dispose(): Promise<void>;
}

function parseOptions<O>(
  schema:
    | {
        safeParse(
          v: unknown,
          params?: { reportInput?: boolean },
        ): { success: boolean; data?: O; error?: { issues: z.core.$ZodIssue[] } };
      }
    | undefined,
  value: unknown,
  where: string,
): O {
  if (!schema) return value as O;
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) {
    // A zod 4 schema can say what is allowed; a plugin built on another zod keeps its own messages.
    const described = "_zod" in schema ? (schema as unknown as z.core.$ZodType) : undefined;
    throw new LakehouseError("CONFIG_INVALID", `Invalid options for ${where}`, {
      details: formatZodIssues(r.error!.issues, where, described),
    });
  }
  return r.data as O;
}

export function downloaderSettings(s: ResolvedConfig["settings"]): DownloaderSettings {
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
    extraArgs: s.extraArgs,
    batchMode: s.batchMode,
  };
}

/** Which storage plugin and options a run writes to: `storage: {kind, …}` in config, else `--output`. */
export function storageSelection(
  registry: PluginRegistry,
  s: ResolvedConfig["settings"],
): { id: string; options: unknown } {
  if (s.storage) {
    const { kind, ...options } = s.storage;
    if (!registry.storages.has(kind)) {
      throw new LakehouseError(
        "UNSUPPORTED",
        `storage.kind: '${kind}' is not a known storage (known: ${[...registry.storages.keys()].join(", ")})`,
      );
    }
    return {
      id: kind,
      options: { ...options, ...(kind === "local" && !("root" in options) ? { root: s.output } : {}) },
    };
  }
  // Specific schemes (s3://…) first; the local filesystem takes whatever is left.
  const plugins = [...registry.storages.values()].sort(
    (a, b) => Number(a.id === "local") - Number(b.id === "local"),
  );
  for (const p of plugins) {
    const options = p.fromOutput?.(s.output);
    // part_size_mb is a top-level setting of the specification; the S3 backend takes it as an option.
    if (options !== undefined)
      return {
        id: p.id,
        options: p.id === "s3" ? { ...(options as object), partSizeMb: s.partSizeMb } : options,
      };
  }
  throw new LakehouseError("UNSUPPORTED", `No storage backend accepts the output '${s.output}'`);
}

/**
 * Which executor plugin runs the batches, and its options: `executor` in config (or `--executor`), else `bullmq`
 * when `queue` is given (its URL becomes the `url` option), else `in-process`.
 */
export function executorSelection(
  registry: PluginRegistry,
  s: ResolvedConfig["settings"],
): { id: string; options: unknown } {
  const { kind: id, ...options } = s.executor ?? { kind: s.queue ? "bullmq" : "in-process" };
  if (!registry.executors.has(id)) {
    if (id === "bullmq" && s.queue) {
      throw new LakehouseError(
        "UNSUPPORTED",
        "--queue needs the bullmq executor (@crypto-lakehouse/executor-bullmq), which is not installed",
      );
    }
    throw new LakehouseError(
      "UNSUPPORTED",
      `executor: '${id}' is not a known executor (known: ${[...registry.executors.keys()].join(", ")})`,
    );
  }
  if (id !== "bullmq") return { id, options };
  // `queue` is the bullmq executor's URL; a URL in the executor's own options also works without it.
  const url = s.queue ?? options.url;
  if (url === undefined) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      "executor: 'bullmq' needs a Redis URL — pass --queue redis://HOST:PORT (queue), or set executor.url",
    );
  }
  return { id, options: { ...options, url } };
}

/** Queue workers run in another directory or on another machine: a relative local root travels absolute. */
export function portableStorage(sel: { id: string; options: unknown }): { id: string; options: unknown } {
  const o = sel.options as { root?: unknown } | undefined;
  return sel.id === "local" && typeof o?.root === "string"
    ? { ...sel, options: { ...o, root: resolve(o.root) } }
    : sel;
}

export async function createRuntime(run: ResolvedRun, opts: RuntimeOptions = {}): Promise<Runtime> {
  const { registry, settings, catalog } = run;
  const logger = opts.logger ?? silentLogger;
  const deps = { logger };
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Catalog, { useValue: catalog });
  for (const m of catalog.markets.values()) c.register(TOKENS.Market, { useValue: m });

  const dp = registry.downloaders.get(settings.downloader);
  if (!dp) {
    throw new LakehouseError(
      "UNSUPPORTED",
      `'${settings.downloader}' is not a known downloader (known: ${[...registry.downloaders.keys()].join(", ")})`,
    );
  }
  // Every selection and its options schema are checked before anything is created; a plugin that still refuses
  // its options in create() has what was already created closed (below).
  const dpOptions = parseOptions(dp.optionsSchema, {}, `downloader ${dp.id}`);
  const sel = storageSelection(registry, settings);
  const sp = registry.storages.get(sel.id)!;
  const spOptions = parseOptions(sp.optionsSchema, sel.options, `storage ${sp.id}`);
  const exe = executorSelection(registry, settings);
  const ep = registry.executors.get(exe.id)!;
  const epOptions = parseOptions(ep.optionsSchema, exe.options, `executor ${ep.id}`);
  const downloader = await dp.create(downloaderSettings(settings), dpOptions, deps);
  let storage: StorageBackend | undefined;
  let executor: Executor;
  try {
    storage = await sp.create(spOptions, deps);
    executor = await ep.create(epOptions, deps);
  } catch (e) {
    await Promise.allSettled([downloader.close?.(), storage?.close?.()]);
    throw e;
  }
  c.register(TOKENS.Downloader, { useValue: downloader });
  c.register(TOKENS.Storage, { useValue: storage });
  c.register(TOKENS.Executor, { useValue: executor });
  const service = c.resolve(CollectService);

  return {
    container: c,
    catalog,
    downloader,
    storage,
    executor,
    logger,
    collect: (o) =>
      service.run(run, {
        ...o,
        job: {
          downloader: { id: dp.id, settings: { ...downloaderSettings(settings) } },
          storage: portableStorage(sel),
          verify: settings.verify,
          zipTest: settings.zipTest,
          plugins: settings.plugins,
          ...o.job,
        },
      }),
    async dispose() {
      await Promise.allSettled([downloader.close?.(), storage.close?.(), executor.close?.()]);
      c.dispose();
    },
  };
}
