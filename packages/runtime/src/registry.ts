// The plugins this process knows: the built-ins plus any loaded from config (`plugins: [...]`).
import type { DownloaderPlugin, ExecutorPlugin, MarketPlugin, StoragePlugin } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";
import { sdkDownloader } from "@crypto-lakehouse/downloader-http";
import { s5cmdDownloader } from "@crypto-lakehouse/downloader-s5cmd";
import { inProcessExecutor } from "@crypto-lakehouse/engine";
import { bullmqExecutor } from "@crypto-lakehouse/executor-bullmq/plugin";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";
import { localStorage } from "@crypto-lakehouse/storage-local";
import { s3Storage } from "@crypto-lakehouse/storage-s3";

// biome-ignore lint/suspicious/noExplicitAny: a registry holds plugins whatever their options type.
type AnyOptions = any;

export type AnyPlugin =
  | MarketPlugin
  | DownloaderPlugin<AnyOptions>
  | StoragePlugin<AnyOptions>
  | ExecutorPlugin<AnyOptions>;

export interface PluginRegistry {
  markets: MarketPlugin[];
  downloaders: Map<string, DownloaderPlugin<AnyOptions>>;
  storages: Map<string, StoragePlugin<AnyOptions>>;
  executors: Map<string, ExecutorPlugin<AnyOptions>>;
}

export function builtinRegistry(): PluginRegistry {
  const r: PluginRegistry = {
    markets: [],
    downloaders: new Map(),
    storages: new Map(),
    executors: new Map(),
  };
  for (const p of [
    ...BUILTIN_MARKETS,
    sdkDownloader,
    s5cmdDownloader,
    localStorage,
    s3Storage,
    inProcessExecutor,
    bullmqExecutor,
  ]) {
    register(r, p as AnyPlugin, "built-in");
  }
  return r;
}

export function register(r: PluginRegistry, p: AnyPlugin, source: string): void {
  const taken = (kind: string) =>
    new LakehouseError(
      "PLUGIN_INVALID",
      `Plugin ${source}: a ${kind} with id '${p.id}' is already registered`,
    );
  switch (p.kind) {
    case "market":
      if (r.markets.some((m) => m.id === p.id)) throw taken("market");
      r.markets.push(p);
      return;
    case "downloader":
      if (r.downloaders.has(p.id)) throw taken("downloader");
      r.downloaders.set(p.id, p);
      return;
    case "storage":
      if (r.storages.has(p.id)) throw taken("storage");
      r.storages.set(p.id, p);
      return;
    case "executor":
      if (r.executors.has(p.id)) throw taken("executor");
      r.executors.set(p.id, p);
      return;
  }
}
