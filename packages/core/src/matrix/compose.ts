// Composes market plugins' fragments into one matrix, and applies a user's matrix file on top.
import { existsSync, readFileSync } from "node:fs";
import { formatZodIssues } from "../config/issues.js";
import { defineMarket, type MarketPlugin } from "../contracts/market.js";
import { LakehouseError } from "../errors.js";
import {
  type ArchiveMatrix,
  ArchiveMatrixSchema,
  type DataTypeSpec,
  type MarketMatrix,
  type MatrixOverlay,
  MatrixOverlaySchema,
} from "./schema.js";

export function composeMatrix(markets: readonly MarketPlugin[]): ArchiveMatrix {
  const out: ArchiveMatrix = { version: 1, markets: {} };
  for (const m of markets) {
    if (out.markets[m.id]) {
      throw new LakehouseError("PLUGIN_INVALID", `Market '${m.id}' is registered twice`);
    }
    out.markets[m.id] = m.matrix;
  }
  return out;
}

/** Reads and validates a user's matrix file; the specification's message when it is missing. */
export function loadMatrixOverlay(path: string): MatrixOverlay {
  if (!existsSync(path)) {
    throw new LakehouseError("CONFIG_INVALID", `Archive matrix file not found: ${path}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `Archive matrix file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  const parsed = MatrixOverlaySchema.safeParse(raw);
  if (!parsed.success) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `Archive matrix file ${path} does not match the matrix schema`,
      {
        details: formatZodIssues(parsed.error.issues),
      },
    );
  }
  return parsed.data;
}

/**
 * Applies an overlay: a market or data type it names replaces fields of the built-in one (or adds it).
 * New markets need an archivePath and symbolPattern; new data types need partitions and keyShape.
 */
export function applyOverlay(
  base: ArchiveMatrix,
  overlay: MatrixOverlay,
  source = "matrix file",
): ArchiveMatrix {
  const markets: Record<string, MarketMatrix> = { ...base.markets };
  for (const [id, o] of Object.entries(overlay.markets)) {
    const prev = markets[id];
    const dataTypes: Record<string, DataTypeSpec> = { ...(prev?.dataTypes ?? {}) };
    for (const [dt, spec] of Object.entries(o.dataTypes ?? {})) {
      dataTypes[dt] = { ...(dataTypes[dt] ?? {}), ...spec } as DataTypeSpec;
    }
    markets[id] = {
      ...(prev ?? {}),
      ...(o.archivePath ? { archivePath: o.archivePath } : {}),
      ...(o.symbolPattern ? { symbolPattern: o.symbolPattern } : {}),
      ...(o.firstDate ? { firstDate: o.firstDate } : {}),
      ...(o.description ? { description: o.description } : {}),
      dataTypes,
    } as MarketMatrix;
  }
  const result = ArchiveMatrixSchema.safeParse({ version: 1, markets });
  if (!result.success) {
    throw new LakehouseError("CONFIG_INVALID", `The ${source} leaves the archive matrix incomplete`, {
      details: formatZodIssues(result.error.issues, "matrix"),
    });
  }
  for (const [id, m] of Object.entries(result.data.markets)) {
    for (const [dt, spec] of Object.entries(m.dataTypes)) {
      if (spec.keyShape === "interval") {
        for (const p of spec.partitions) {
          if (!spec.intervals?.[p]?.length) {
            throw new LakehouseError(
              "CONFIG_INVALID",
              `The ${source} gives ${id}/${dt} an interval folder but no intervals for ${p}`,
            );
          }
        }
      }
    }
  }
  return result.data;
}

/** The catalog: effective matrix plus one market plugin per market, key rules following the matrix. */
export interface Catalog {
  matrix: ArchiveMatrix;
  markets: ReadonlyMap<string, MarketPlugin>;
  market(id: string): MarketPlugin;
}

export function createCatalog(plugins: readonly MarketPlugin[], overlay?: MatrixOverlay): Catalog {
  const base = composeMatrix(plugins);
  const matrix = overlay ? applyOverlay(base, overlay) : base;
  const markets = new Map<string, MarketPlugin>();
  for (const p of plugins) markets.set(p.id, p.withMatrix(matrix.markets[p.id]!));
  // A market known only from a matrix file still works: its key rules come from the data.
  for (const [id, m] of Object.entries(matrix.markets)) {
    if (!markets.has(id)) markets.set(id, defineMarket({ id, label: m.description ?? id, matrix: m }));
  }
  return {
    matrix,
    markets,
    market(id) {
      const m = markets.get(id);
      if (!m)
        throw new LakehouseError(
          "UNSUPPORTED",
          `Unknown market '${id}' (known: ${[...markets.keys()].join(", ")})`,
        );
      return m;
    },
  };
}
