// The plugins this process knows: the built-ins, declared by id and loaded only when a run chooses them (so a
// command imports no downloader, storage or executor it does not use), plus any loaded from config.
import type { DownloaderPlugin, ExecutorPlugin, MarketPlugin, StoragePlugin } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";

// biome-ignore lint/suspicious/noExplicitAny: a registry holds plugins whatever their options type.
type AnyOptions = any;

export type AnyPlugin =
  | MarketPlugin
  | DownloaderPlugin<AnyOptions>
  | StoragePlugin<AnyOptions>
  | ExecutorPlugin<AnyOptions>;

/** A plugin known by id; `load()` imports its module the first time it is needed. */
export interface PluginEntry<P> {
  readonly id: string;
  /** Other ids that choose it (earlier names, e.g. `sdk` for `http`). */
  readonly aliases?: readonly string[];
  /** Where it came from, for messages: "built-in" or the module that registered it. */
  readonly source: string;
  load(): Promise<P>;
}

export interface PluginRegistry {
  /** Markets are data, needed by every command that plans: loaded eagerly. */
  markets: MarketPlugin[];
  downloaders: Map<string, PluginEntry<DownloaderPlugin<AnyOptions>>>;
  storages: Map<string, PluginEntry<StoragePlugin<AnyOptions>>>;
  executors: Map<string, PluginEntry<ExecutorPlugin<AnyOptions>>>;
}

type Kind = "downloader" | "storage" | "executor";
type PluginOf<K extends Kind> = K extends "downloader"
  ? DownloaderPlugin<AnyOptions>
  : K extends "storage"
    ? StoragePlugin<AnyOptions>
    : ExecutorPlugin<AnyOptions>;

function lazy<P>(id: string, load: () => Promise<P>, aliases?: string[]): PluginEntry<P> {
  let loaded: Promise<P> | undefined;
  return { id, source: "built-in", ...(aliases ? { aliases } : {}), load: () => (loaded ??= load()) };
}

export function builtinRegistry(): PluginRegistry {
  return {
    markets: [...BUILTIN_MARKETS],
    downloaders: new Map<string, PluginEntry<DownloaderPlugin<AnyOptions>>>([
      [
        "http",
        lazy("http", async () => (await import("@crypto-lakehouse/downloader-http/plugin")).httpDownloader, [
          "sdk",
        ]),
      ],
      [
        "s5cmd",
        lazy(
          "s5cmd",
          async () => (await import("@crypto-lakehouse/downloader-s5cmd/plugin")).s5cmdDownloader,
        ),
      ],
    ]),
    storages: new Map<string, PluginEntry<StoragePlugin<AnyOptions>>>([
      [
        "local",
        lazy("local", async () => (await import("@crypto-lakehouse/storage-local/plugin")).localStorage),
      ],
      ["s3", lazy("s3", async () => (await import("@crypto-lakehouse/storage-s3/plugin")).s3Storage)],
    ]),
    executors: new Map<string, PluginEntry<ExecutorPlugin<AnyOptions>>>([
      [
        "in-process",
        lazy("in-process", async () => (await import("@crypto-lakehouse/engine")).inProcessExecutor),
      ],
      [
        "bullmq",
        lazy("bullmq", async () => (await import("@crypto-lakehouse/executor-bullmq/plugin")).bullmqExecutor),
      ],
    ]),
  };
}

function mapOf<K extends Kind>(r: PluginRegistry, kind: K): Map<string, PluginEntry<PluginOf<K>>> {
  const maps = { downloader: r.downloaders, storage: r.storages, executor: r.executors };
  return maps[kind] as unknown as Map<string, PluginEntry<PluginOf<K>>>;
}

/** The entry an id (or an alias) chooses, or undefined. */
export function findPlugin<K extends Kind>(
  r: PluginRegistry,
  kind: K,
  id: string,
): PluginEntry<PluginOf<K>> | undefined {
  const m = mapOf(r, kind);
  return m.get(id) ?? [...m.values()].find((e) => e.aliases?.includes(id));
}

/** The entry for `id`, or UNSUPPORTED naming the known ids; `where` names the setting (`executor`, `--downloader`). */
export function requirePlugin<K extends Kind>(
  r: PluginRegistry,
  kind: K,
  id: string,
  where: string,
): PluginEntry<PluginOf<K>> {
  const entry = findPlugin(r, kind, id);
  if (entry) return entry;
  throw new LakehouseError(
    "UNSUPPORTED",
    `${where}: '${id}' is not a known ${kind} (known: ${[...mapOf(r, kind).keys()].join(", ")})`,
  );
}

/** Every plugin of a kind, loaded (for hooks asked of all of them: `fromOutput`, `withQueue`, `configKeys`). */
export async function loadAll<K extends Kind>(r: PluginRegistry, kind: K): Promise<PluginOf<K>[]> {
  return Promise.all([...mapOf(r, kind).values()].map((e) => e.load()));
}

export function register(r: PluginRegistry, p: AnyPlugin, source: string): void {
  const taken = (kind: string) =>
    new LakehouseError(
      "PLUGIN_INVALID",
      `Plugin ${source}: a ${kind} with id '${p.id}' is already registered`,
    );
  if (p.kind === "market") {
    if (r.markets.some((m) => m.id === p.id)) throw taken("market");
    r.markets.push(p);
    return;
  }
  if (findPlugin(r, p.kind, p.id)) throw taken(p.kind);
  const entry = { id: p.id, source, load: async () => p };
  (mapOf(r, p.kind) as Map<string, PluginEntry<AnyPlugin>>).set(p.id, entry);
}
