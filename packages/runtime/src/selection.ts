// Which plugin a run uses for each role, with its options: from the settings (config and flags) or from a queued
// job. Plugin-specific rules live in the plugins' hooks (`fromOutput`, `withQueue`, `configKeys`), never here.
import {
  type CollectJob,
  type CollectSettings,
  DOWNLOADER_CONFIG_KEYS,
  type DownloaderPlugin,
  type ExecutorPlugin,
  LakehouseError,
  type PlanNote,
  type QueueJob,
  type RawConfig,
  type StoragePlugin,
} from "@crypto-lakehouse/core";
import { parseOptions } from "./options.js";
import { loadAll, type PluginRegistry, requirePlugin } from "./registry.js";

/** Top-level config keys that go to the downloader as options (the specification's s5cmd keys). */
const TOP_LEVEL: ReadonlySet<string> = new Set(DOWNLOADER_CONFIG_KEYS);

/** A plugin and its validated options. */
export interface Choice<P> {
  plugin: P;
  options: unknown;
}

type Sources = Partial<Record<keyof RawConfig, string>>;
const named = (sources: Sources | undefined, key: keyof RawConfig) => sources?.[key] ?? key;

/**
 * The storage: `storage: {kind, …}` in config (options it leaves out come from the backend's reading of the
 * output, e.g. local's root), else the first backend whose `fromOutput` claims `--output`. Plugins loaded from
 * config are asked before the built-ins, so one can claim plain paths.
 */
export async function storageSelection(
  registry: PluginRegistry,
  s: CollectSettings,
): Promise<Choice<StoragePlugin>> {
  const context = { partSizeMb: s.partSizeMb };
  if (s.storage) {
    const { kind, ...options } = s.storage;
    const plugin = await requirePlugin(registry, "storage", kind, "storage.kind").load();
    // What the output names (local's root) fills in what the storage leaves out.
    const filled = (plugin.fromOutput?.(s.output) ?? {}) as object;
    return {
      plugin,
      options: parseOptions(plugin.optionsSchema, { ...filled, ...options }, `storage ${plugin.id}`),
    };
  }
  for (const plugin of (await loadAll(registry, "storage")).reverse()) {
    const options = plugin.fromOutput?.(s.output, context);
    if (options !== undefined) {
      return { plugin, options: parseOptions(plugin.optionsSchema, options, `storage ${plugin.id}`) };
    }
  }
  throw new LakehouseError("UNSUPPORTED", `No storage backend accepts the output '${s.output}'`);
}

/**
 * The executor: `executor` in config (or `--executor`), else the one that takes a queue when `queue` is given
 * (its `withQueue` hook), else `in-process`. Options are validated by the executor's schema.
 */
export async function executorSelection(
  registry: PluginRegistry,
  s: Pick<CollectSettings, "executor" | "queue">,
  sources?: Sources,
): Promise<Choice<ExecutorPlugin>> {
  const queueExecutor = async () =>
    (await loadAll(registry, "executor")).find((p) => p.withQueue !== undefined);
  let plugin: ExecutorPlugin;
  const { kind, ...given } = s.executor ?? { kind: "in-process" };
  if (s.executor) plugin = await requirePlugin(registry, "executor", kind, "executor").load();
  else if (s.queue) {
    const q = await queueExecutor();
    if (!q) {
      throw new LakehouseError(
        "UNSUPPORTED",
        `${named(sources, "queue")}: no installed executor takes a queue (known: ${[...registry.executors.keys()].join(", ")})`,
      );
    }
    plugin = q;
  } else plugin = await requirePlugin(registry, "executor", kind, "executor").load();
  if (s.queue && !plugin.withQueue) {
    const q = await queueExecutor();
    throw new LakehouseError(
      "CONFIG_INVALID",
      `${named(sources, "executor")}: '${plugin.id}' conflicts with ${named(sources, "queue")}, which runs batches through the '${q?.id ?? "queue"}' executor — drop one of them`,
    );
  }
  const options = plugin.withQueue ? plugin.withQueue(given, s.queue) : given;
  return { plugin, options: parseOptions(plugin.optionsSchema, options, `executor ${plugin.id}`) };
}

/** The downloader named by the settings (an alias such as `sdk` chooses its plugin), options validated. */
export async function downloaderSelection(
  registry: PluginRegistry,
  s: Pick<CollectSettings, "downloader" | "downloaderOptions">,
): Promise<Choice<DownloaderPlugin>> {
  const plugin = await requirePlugin(registry, "downloader", s.downloader, "downloader").load();
  const given = s.downloaderOptions ?? {};
  // Keys of the specification that belong to another downloader are noted (see downloaderNotes), not refused.
  const own = Object.fromEntries(
    Object.entries(given).filter(([k]) => !TOP_LEVEL.has(k) || plugin.configKeys?.includes(k)),
  );
  return { plugin, options: parseOptions(plugin.optionsSchema, own, `downloader ${plugin.id}`) };
}

/** A note for downloader keys of the config that the chosen downloader does not read. */
export async function downloaderNotes(
  registry: PluginRegistry,
  s: Pick<CollectSettings, "downloader" | "downloaderOptions">,
  sources?: Sources,
): Promise<PlanNote[]> {
  // An empty s5cmd_extra_args asks for nothing: no note.
  const given = Object.entries(s.downloaderOptions ?? {})
    .filter(([k, v]) => TOP_LEVEL.has(k) && !(Array.isArray(v) && v.length === 0))
    .map(([k]) => k);
  if (given.length === 0) return [];
  const chosen = await requirePlugin(registry, "downloader", s.downloader, "downloader").load();
  const unused = given.filter((k) => !chosen.configKeys?.includes(k));
  if (unused.length === 0) return [];
  const owners = (await loadAll(registry, "downloader")).filter((p) =>
    unused.every((k) => p.configKeys?.includes(k)),
  );
  const owner = owners.length === 1 ? owners[0]!.id : undefined;
  const label = (k: string) => sources?.[k as keyof RawConfig] ?? k;
  return [
    {
      level: "info",
      message: owner
        ? `${unused.map(label).join(" and ")} apply to the ${owner} downloader only; this run uses '${chosen.id}' (set ${label("downloader")} to ${owner} to use them)`
        : `${unused.map(label).join(" and ")} are not read by the '${chosen.id}' downloader; ignored`,
    },
  ];
}

/**
 * A queued job's plugins, validated the same way (a job from an older version or a foreign submitter included).
 * Jobs of other kinds (silver) name a storage only.
 */
export async function jobSelections(
  registry: PluginRegistry,
  job: Pick<QueueJob, "runId" | "storage"> & Partial<Pick<CollectJob, "downloader">>,
  downloaderId = job.downloader?.id,
): Promise<{ downloader?: Choice<DownloaderPlugin>; storage: Choice<StoragePlugin> }> {
  const where = `Job ${job.runId}`;
  const sp = await requirePlugin(registry, "storage", job.storage.id, `${where}: storage`).load();
  const storage = {
    plugin: sp,
    options: parseOptions(sp.optionsSchema, job.storage.options, `storage ${sp.id}`),
  };
  if (downloaderId === undefined) return { storage };
  const dp = await requirePlugin(registry, "downloader", downloaderId, `${where}: downloader`).load();
  const options = parseOptions(dp.optionsSchema, job.downloader?.options ?? {}, `downloader ${dp.id}`);
  return { downloader: { plugin: dp, options }, storage };
}
