// How a command gets its runtime: flags over the config file, resolved, and the one composition root
// (@crypto-lakehouse/runtime) that builds the store, downloader, executor and markets. Loaded only by the
// commands that need it, so `--help` and `--version` stay fast.
import type { Catalog, Logger, MarketPlugin } from "@crypto-lakehouse/core";
import type { ResolvedRun, Runtime } from "@crypto-lakehouse/runtime";
import { type MergedConfig, mergeFlags, type RunFlags } from "./flags.js";

const SELECTION_KEYS = ["markets", "symbols", "data_types", "intervals", "date_range"] as const;

/** Whether the flags and config name files (a selection), as opposed to the whole lakehouse. */
export function hasSelection(config: Record<string, unknown>): boolean {
  return SELECTION_KEYS.some((k) => config[k] !== undefined);
}

/** The run a selection means (collect, plan, symbols, verify with a selection). */
export async function resolveSelection(
  f: RunFlags,
  extra: Record<string, unknown> = {},
): Promise<ResolvedRun> {
  const { resolveRun } = await import("@crypto-lakehouse/runtime");
  const merged = await mergeFlags(f);
  return resolveRun({ ...merged.config, ...extra }, { sources: merged.sources, baseDir: merged.baseDir });
}

/** The lakehouse the flags and config point at, without a selection (runs, silver, sql, gold, cancel, matrix). */
export async function lakeRuntime(
  f: RunFlags,
  logger?: Logger,
): Promise<{ runtime: Runtime; merged: MergedConfig }> {
  const { openRuntime, resolveLake } = await import("@crypto-lakehouse/runtime");
  const merged = await mergeFlags(f);
  const lake = await resolveLake(merged.config, { sources: merged.sources, baseDir: merged.baseDir });
  return { runtime: openRuntime(lake, logger ? { logger } : {}), merged };
}

/**
 * The runtime of a selection's run when the flags and config name one (`run` is then set), else of the whole
 * lakehouse (verify).
 */
export async function selectionRuntime(
  f: RunFlags,
  logger: Logger,
): Promise<{ runtime: Runtime; run?: ResolvedRun }> {
  const { openRuntime, resolveLake, resolveRun } = await import("@crypto-lakehouse/runtime");
  const merged = await mergeFlags(f);
  const how = { sources: merged.sources, baseDir: merged.baseDir };
  if (!hasSelection(merged.config))
    return { runtime: openRuntime(await resolveLake(merged.config, how), { logger }) };
  const run = await resolveRun(merged.config, how);
  return { runtime: openRuntime(run, { logger }), run };
}

/** The markets and catalog the config's plugins and matrix file (or the flags') describe; nothing stays open. */
export async function knownMarkets(
  f: Pick<RunFlags, "config" | "plugin" | "matrix">,
): Promise<{ catalog: Catalog; markets: MarketPlugin[] }> {
  const { runtime } = await lakeRuntime({
    ...(f.config ? { config: f.config } : {}),
    ...(f.plugin ? { plugin: f.plugin } : {}),
    ...(f.matrix ? { matrix: f.matrix } : {}),
  });
  try {
    return { catalog: runtime.catalog, markets: runtime.markets() };
  } finally {
    await runtime.dispose();
  }
}
