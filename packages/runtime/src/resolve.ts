// From a config (file, object and CLI overrides) to a validated request, settings and catalog.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  type Catalog,
  createCatalog,
  isLakehouseError,
  LakehouseError,
  loadMatrixOverlay,
  type NormalizeOptions,
  normalizeConfig,
  type PlanNote,
  type RawConfig,
  type ResolvedConfig,
} from "@crypto-lakehouse/core";
import { loadPlugins } from "./plugins.js";
import { builtinRegistry, type PluginRegistry } from "./registry.js";

/** The specification's example file name: it shipped with the Python tool, and our built-in matrix supersedes it. */
const SPEC_MATRIX_NAME = "enhanced_binance_archive_matrix.json";

export interface ResolvedRun extends ResolvedConfig {
  catalog: Catalog;
  registry: PluginRegistry;
}

export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new LakehouseError("CONFIG_INVALID", `Config file not found: ${path}`);
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    if (!v || typeof v !== "object" || Array.isArray(v))
      throw new Error("the top level must be a JSON object");
    return v;
  } catch (e) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `Config file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
}

export interface ResolveOptions extends NormalizeOptions {
  /** Relative paths in the config (matrix_path, plugins) are relative to this (the config file's folder). */
  baseDir?: string;
  registry?: PluginRegistry;
}

export async function resolveRun(
  config: RawConfig | Record<string, unknown>,
  opts: ResolveOptions = {},
): Promise<ResolvedRun> {
  const baseDir = opts.baseDir ?? process.cwd();
  const registry = opts.registry ?? builtinRegistry();
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `The config must be an object (the JSON config's shape), not ${Array.isArray(config) ? "an array" : config === null ? "null" : typeof config}`,
    );
  }
  const raw = config as Record<string, unknown>;
  const extraNotes: PlanNote[] = [];
  if (Array.isArray(raw.plugins) && raw.plugins.every((p) => typeof p === "string")) {
    await loadPlugins(registry, raw.plugins as string[], baseDir);
  }
  let overlay: ReturnType<typeof loadMatrixOverlay> | undefined;
  if (typeof raw.matrix_path === "string" && raw.matrix_path) {
    const p = isAbsolute(raw.matrix_path) ? raw.matrix_path : resolve(baseDir, raw.matrix_path);
    const superseded = () =>
      extraNotes.push({
        level: "info",
        message: `matrix_path ${raw.matrix_path}: the specification's matrix file is superseded by the built-in matrix (see \`lakehouse matrix\`)`,
      });
    if (raw.matrix_path.endsWith(SPEC_MATRIX_NAME)) {
      // The specification's own matrix (absent, or in its old format) gives way to the built-in one; a file of
      // that name in our overlay format is still used.
      if (!existsSync(p)) superseded();
      else {
        try {
          overlay = loadMatrixOverlay(p);
        } catch (e) {
          if (!isLakehouseError(e, "CONFIG_INVALID")) throw e;
          superseded();
        }
      }
    } else {
      overlay = loadMatrixOverlay(p);
    }
  }
  const catalog = createCatalog(registry.markets, overlay);
  const resolved = normalizeConfig(config, catalog, opts);
  resolved.request.notes.unshift(...extraNotes);
  // Relative plugin paths travel with queued jobs to workers whose cwd differs: make them absolute here.
  resolved.settings.plugins = resolved.settings.plugins.map((p) =>
    p.startsWith(".") ? resolve(baseDir, p) : p,
  );
  return { ...resolved, catalog, registry };
}

export function configBaseDir(configPath: string | undefined): string {
  return configPath ? dirname(resolve(configPath)) : process.cwd();
}
