// From a config (file, object and CLI overrides) to a validated request, settings and catalog.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  type Catalog,
  type CollectSettings,
  createCatalog,
  isLakehouseError,
  LakehouseError,
  loadMatrixOverlay,
  type NormalizeOptions,
  normalizeConfig,
  normalizeSettings,
  type PlanNote,
  type RawConfig,
  type ResolvedConfig,
} from "@crypto-lakehouse/core";
import { loadPlugins } from "./plugins.js";
import { builtinRegistry, type PluginRegistry } from "./registry.js";
import { downloaderNotes } from "./selection.js";

/** The specification's example file name: it shipped with the Python tool, and our built-in matrix supersedes it. */
const SPEC_MATRIX_NAME = "enhanced_binance_archive_matrix.json";

/** What the runtime needs: settings, the plugins known and the markets (matrix overlay applied). */
export interface ResolvedLake {
  settings: CollectSettings;
  catalog: Catalog;
  registry: PluginRegistry;
  /** Which keys came from CLI flags, for messages. */
  sources: Partial<Record<keyof RawConfig, string>>;
}

/** A lake plus a checked selection: what `collect` and `plan` run. */
export interface ResolvedRun extends ResolvedConfig, ResolvedLake {}

/** A JSON config file as an object (CONFIG_INVALID when missing, not JSON, or not an object). */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new LakehouseError("CONFIG_INVALID", `Config file not found: ${path}`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `Config file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw new LakehouseError("CONFIG_INVALID", `Config file ${path} must hold a JSON object`);
  }
  return v as Record<string, unknown>;
}

export interface ResolveOptions extends NormalizeOptions {
  /** Relative paths in the config (matrix_path, plugins) are relative to this (the config file's folder). */
  baseDir?: string;
  registry?: PluginRegistry;
}

function asObject(config: unknown): Record<string, unknown> {
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `The config must be an object (the JSON config's shape), not ${Array.isArray(config) ? "an array" : config === null ? "null" : typeof config}`,
    );
  }
  return config as Record<string, unknown>;
}

/** The matrix overlay named by `matrix_path`; the specification's own file gives way to the built-in matrix. */
function matrixOverlay(
  raw: Record<string, unknown>,
  baseDir: string,
  notes: PlanNote[],
): ReturnType<typeof loadMatrixOverlay> | undefined {
  if (typeof raw.matrix_path !== "string" || !raw.matrix_path) return undefined;
  const p = isAbsolute(raw.matrix_path) ? raw.matrix_path : resolve(baseDir, raw.matrix_path);
  if (!raw.matrix_path.endsWith(SPEC_MATRIX_NAME)) return loadMatrixOverlay(p);
  const superseded = () => {
    notes.push({
      level: "info",
      message: `matrix_path ${raw.matrix_path}: the specification's matrix file is superseded by the built-in matrix (see \`lakehouse matrix\`)`,
    });
    return undefined;
  };
  // The specification's own matrix (absent, or in its old format) gives way to the built-in one; a file of
  // that name in our overlay format is still used.
  if (!existsSync(p)) return superseded();
  try {
    return loadMatrixOverlay(p);
  } catch (e) {
    if (!isLakehouseError(e, "CONFIG_INVALID")) throw e;
    return superseded();
  }
}

/** Plugins from config, then the catalog of markets with the matrix overlay. */
async function loadLake(
  raw: Record<string, unknown>,
  opts: ResolveOptions,
  notes: PlanNote[],
): Promise<{ registry: PluginRegistry; catalog: Catalog; baseDir: string }> {
  const baseDir = opts.baseDir ?? process.cwd();
  const registry = opts.registry ?? builtinRegistry();
  if (Array.isArray(raw.plugins) && raw.plugins.every((p) => typeof p === "string")) {
    await loadPlugins(registry, raw.plugins as string[], baseDir);
  }
  return { registry, catalog: createCatalog(registry.markets, matrixOverlay(raw, baseDir, notes)), baseDir };
}

/** Relative plugin paths travel with queued jobs to workers whose cwd differs: made absolute here. */
function absolutePlugins(settings: CollectSettings, baseDir: string): void {
  settings.plugins = settings.plugins.map((p) => (p.startsWith(".") ? resolve(baseDir, p) : p));
}

/** A config with a selection (markets, symbols, data types, dates), checked against the archive matrix. */
export async function resolveRun(
  config: RawConfig | Record<string, unknown>,
  opts: ResolveOptions = {},
): Promise<ResolvedRun> {
  const raw = asObject(config);
  const extraNotes: PlanNote[] = [];
  const { registry, catalog, baseDir } = await loadLake(raw, opts, extraNotes);
  const resolved = normalizeConfig(config, catalog, opts);
  const sources = opts.sources ?? {};
  resolved.request.notes.unshift(...extraNotes);
  resolved.request.notes.push(...(await downloaderNotes(registry, resolved.settings, sources)));
  absolutePlugins(resolved.settings, baseDir);
  return { ...resolved, catalog, registry, sources };
}

/**
 * A config for commands that work on the lakehouse as it is (runs, silver, sql, gold, verify without a
 * selection): its settings, plugins and markets; selection keys are shape-checked only.
 */
export async function resolveLake(
  config: RawConfig | Record<string, unknown>,
  opts: ResolveOptions = {},
): Promise<ResolvedLake> {
  const raw = asObject(config);
  const { registry, catalog, baseDir } = await loadLake(raw, opts, []);
  const settings = normalizeSettings(config, opts);
  absolutePlugins(settings, baseDir);
  return { settings, catalog, registry, sources: opts.sources ?? {} };
}

export function configBaseDir(configPath: string | undefined): string {
  return configPath ? dirname(resolve(configPath)) : process.cwd();
}
