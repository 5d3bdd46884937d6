// Loads third-party plugins named in config (`plugins: ["@acme/lakehouse-market-x", "./my-storage.js"]`).
// A module exports one or more plugin definitions; each is checked before it is registered.
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatZodIssues, LakehouseError, MarketMatrixSchema } from "@crypto-lakehouse/core";
import { type AnyPlugin, type PluginRegistry, register } from "./registry.js";

const EXPECTED =
  "a module exporting a plugin definition: { kind: 'market' | 'downloader' | 'storage' | 'executor', id: string, " +
  "create(...) (downloader/storage/executor) or matrix + fileKey/parseKey/resolveSymbol (market, use defineMarket) }";

function specifierUrl(spec: string, baseDir: string): string {
  if (spec.startsWith(".") || isAbsolute(spec)) return pathToFileURL(resolve(baseDir, spec)).href;
  try {
    return pathToFileURL(createRequire(join(baseDir, "package.json")).resolve(spec)).href;
  } catch {
    return spec; // let import() resolve ESM-only packages or report them missing
  }
}

function checkPlugin(value: unknown, name: string): string[] {
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!["market", "downloader", "storage", "executor"].includes(p.kind as string)) {
    problems.push(
      `${name}.kind is ${JSON.stringify(p.kind)}; expected 'market', 'downloader', 'storage' or 'executor'`,
    );
    return problems;
  }
  if (typeof p.id !== "string" || !/^[a-z][a-z0-9_-]*$/.test(p.id)) {
    problems.push(`${name}.id is ${JSON.stringify(p.id)}; expected a lower-case id like 'my-store'`);
  }
  if (p.kind === "market") {
    const m = MarketMatrixSchema.safeParse(p.matrix);
    if (!m.success) problems.push(...formatZodIssues(m.error.issues, `${name}.matrix`));
    for (const fn of ["fileKey", "parseKey", "resolveSymbol", "withMatrix"]) {
      if (typeof p[fn] !== "function")
        problems.push(`${name}.${fn} is missing; build market plugins with defineMarket()`);
    }
  } else {
    if (typeof p.create !== "function") problems.push(`${name}.create is not a function`);
    const schema = p.optionsSchema as { safeParse?: unknown } | undefined;
    if (schema !== undefined && typeof schema?.safeParse !== "function") {
      problems.push(`${name}.optionsSchema is not a zod schema`);
    }
  }
  return problems;
}

export async function loadPluginModule(spec: string, baseDir: string): Promise<AnyPlugin[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifierUrl(spec, baseDir))) as Record<string, unknown>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND";
    throw new LakehouseError(
      "PLUGIN_INVALID",
      missing
        ? `Plugin module '${spec}' not found (looked from ${baseDir}); install it or fix the path`
        : `Plugin module '${spec}' failed to load: ${err.message}`,
      { cause: e },
    );
  }
  const candidates = Object.entries(mod).filter(
    ([, v]) => v && typeof v === "object" && "kind" in (v as object),
  ) as [string, unknown][];
  if (candidates.length === 0) {
    throw new LakehouseError("PLUGIN_INVALID", `Plugin module '${spec}' exports no plugin definition`, {
      details: [`expected ${EXPECTED}`, `it exports: ${Object.keys(mod).join(", ") || "(nothing)"}`],
    });
  }
  const problems = candidates.flatMap(([name, v]) => checkPlugin(v, name));
  if (problems.length) {
    throw new LakehouseError(
      "PLUGIN_INVALID",
      `Plugin module '${spec}' exports an invalid plugin definition`,
      {
        details: [...problems, `expected ${EXPECTED}`],
      },
    );
  }
  // `default` re-exporting a named export is one plugin, not two.
  return [...new Set(candidates.map(([, v]) => v as AnyPlugin))];
}

export async function loadPlugins(
  registry: PluginRegistry,
  specs: readonly string[],
  baseDir: string,
): Promise<void> {
  for (const spec of specs) {
    for (const p of await loadPluginModule(spec, baseDir)) register(registry, p, `'${spec}'`);
  }
}
