// What a silver build converts: the selected bronze files table by table, which of them are new or changed, and
// which daily files a converted monthly file supersedes — as ordered steps (work items, and tasks between them).
import { LakehouseError, type MarketPlugin, type StorageBackend } from "@crypto-lakehouse/core";
import type { Step } from "./ahead.js";
import type { ConvertItem } from "./converter.js";
import { parseBronzeKey } from "./layout.js";
import { type SilverTableSchema, silverSchema } from "./schema.js";
import { compileSelection } from "./selection.js";
import {
  bronzeSha256,
  type FileState,
  readState,
  SILVER_FORMAT,
  type SymbolState,
  sameListing,
} from "./state.js";
import type { BronzeSource, FileOutcome, SilverSelection } from "./types.js";

export interface Table {
  market: MarketPlugin;
  dataType: string;
  schema: SilverTableSchema;
  sources: BronzeSource[];
}

export interface Work extends ConvertItem {
  table: Table;
  state: SymbolState;
}

/** What the plan needs from the run it belongs to. */
export interface PlanHost {
  readonly storage: StorageBackend;
  readonly runId: string;
  readonly force: boolean;
  readonly signal?: AbortSignal;
  /** Symbol states changed since they were last written. */
  readonly dirty: Set<SymbolState>;
  /** A file's outcome decided without converting it. */
  finish(key: string, outcome: FileOutcome): void;
  /** Writes the changed states (after every conversion before it). */
  flush(): Promise<void>;
  /** A table's files are all done: write its report. */
  tableDone(table: Table): Promise<void>;
}

export const seriesMonth = (f: Pick<BronzeSource, "interval" | "period">) =>
  `${f.interval ?? ""}|${f.period.slice(0, 7)}`;

function checkSelection(sel: SilverSelection, markets: readonly MarketPlugin[]): void {
  const ids = markets.map((m) => m.id);
  for (const m of sel.markets ?? []) {
    if (!ids.includes(m))
      throw new LakehouseError(
        "CONFIG_INVALID",
        `--market: '${m}' is not a known market (known: ${ids.join(", ")})`,
      );
  }
  const known = new Set(markets.flatMap((m) => Object.keys(m.matrix.dataTypes)));
  for (const dt of sel.dataTypes ?? []) {
    if (!known.has(dt))
      throw new LakehouseError(
        "CONFIG_INVALID",
        `--data-types: '${dt}' is not a data type of any market (known: ${[...known].sort().join(", ")})`,
      );
  }
}

/** Lists the selected bronze files, table by table (only data types whose plugin has a CSV schema). */
export async function listTables(
  storage: StorageBackend,
  markets: readonly MarketPlugin[],
  sel: SilverSelection,
  notes: string[],
): Promise<Table[]> {
  checkSelection(sel, markets);
  const filter = compileSelection(sel, markets);
  const byId = new Map(markets.map((m) => [m.id, m]));
  const tables: Table[] = [];
  for (const market of markets) {
    if (!filter.market(market.id)) continue;
    for (const [dataType, spec] of Object.entries(market.matrix.dataTypes)) {
      if (!filter.dataType(dataType)) continue;
      if (!spec.csv) {
        notes.push(`${market.id}/${dataType}: no CSV schema in the market plugin; not converted`);
        continue;
      }
      const sources: BronzeSource[] = [];
      for await (const o of storage.list(`bronze/${market.id}/${dataType}/`)) {
        if (!o.key.endsWith(".zip")) continue;
        const f = parseBronzeKey(o.key, byId);
        if (!f) {
          notes.push(`${o.key}: not an archive file name; ignored`);
          continue;
        }
        const src: BronzeSource = {
          ...f,
          size: o.size,
          ...(o.lastModified ? { lastModified: o.lastModified.toISOString() } : {}),
          ...(o.etag ? { etag: o.etag } : {}),
        };
        if (filter.file(src)) sources.push(src);
      }
      if (sources.length) tables.push({ market, dataType, schema: silverSchema(market, dataType), sources });
    }
  }
  return tables;
}

/** Whether a file must be converted: new, changed bytes, another silver format, or forced. */
async function needs(host: PlanHost, src: BronzeSource, state: SymbolState): Promise<boolean> {
  const prev = state.files[src.bronzeKey];
  if (host.force || !prev || prev.format !== SILVER_FORMAT || prev.status !== "converted") return true;
  if (sameListing(prev, src)) return false;
  const sha = await bronzeSha256(host.storage, src.bronzeKey);
  if (sha && sha === prev.sha256) {
    // Stored again with the same bytes (e.g. a forced re-download): remember the new listing, nothing to do.
    state.files[src.bronzeKey] = { ...prev, ...fingerprint(src) };
    host.dirty.add(state);
    return false;
  }
  return true;
}

/** Every table's work in order; a table's daily files are planned once its monthly files are converted. */
export async function* planSteps(host: PlanHost, tables: readonly Table[]): AsyncGenerator<Step<Work>> {
  for (const table of tables) {
    if (host.signal?.aborted) return;
    const states = new Map<string, SymbolState>();
    for (const sym of new Set(table.sources.map((s) => s.symbol))) {
      states.set(sym, await readState(host.storage, table.market.id, table.dataType, sym));
    }
    const work = (src: BronzeSource): Work => ({
      table,
      src,
      schema: table.schema,
      state: states.get(src.symbol)!,
    });

    // Monthly files first: a converted monthly file supersedes the daily files of its month (same series).
    let monthly = 0;
    for (const src of table.sources.filter((s) => s.partition === "monthly")) {
      if (await needs(host, src, states.get(src.symbol)!)) {
        monthly++;
        yield { work: work(src) };
      } else host.finish(src.bronzeKey, "unchanged");
    }
    // Which daily files are superseded depends on those conversions: plan them after.
    if (monthly) yield { task: () => host.flush(), fence: true };

    const covers = new Map([...states.values()].map((s) => [s, monthlyCovers(s)]));
    for (const src of table.sources.filter((s) => s.partition === "daily")) {
      const state = states.get(src.symbol)!;
      const cover = covers.get(state)!.get(seriesMonth(src));
      if (cover) {
        await supersede(host.storage, state, src, cover, host.runId);
        host.dirty.add(state);
        host.finish(src.bronzeKey, "superseded");
      } else if (await needs(host, src, state)) yield { work: work(src) };
      else host.finish(src.bronzeKey, "unchanged");
    }
    yield { task: () => host.tableDone(table) };
  }
}

export function fingerprint(
  src: BronzeSource,
): Pick<FileState, "partition" | "period" | "interval" | "size" | "lastModified" | "etag"> {
  return {
    partition: src.partition,
    period: src.period,
    ...(src.interval ? { interval: src.interval } : {}),
    size: src.size,
    ...(src.lastModified ? { lastModified: src.lastModified } : {}),
    ...(src.etag ? { etag: src.etag } : {}),
  };
}

/** Series-months (`interval|YYYY-MM`) that a converted monthly file holds, with that file's key. */
function monthlyCovers(state: SymbolState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, f] of Object.entries(state.files)) {
    if (f.partition === "monthly" && f.status === "converted" && f.report?.silverKey !== undefined)
      out.set(seriesMonth(f), key);
  }
  return out;
}

async function supersede(
  storage: StorageBackend,
  state: SymbolState,
  src: BronzeSource,
  by: string,
  runId: string,
): Promise<void> {
  const prev = state.files[src.bronzeKey];
  if (prev?.status === "converted" && prev.report?.silverKey) await storage.delete(prev.report.silverKey);
  state.files[src.bronzeKey] = {
    ...fingerprint(src),
    status: "superseded",
    supersededBy: by,
    format: SILVER_FORMAT,
    runId: prev?.status === "superseded" ? prev.runId : runId,
    at: prev?.status === "superseded" ? prev.at : new Date().toISOString(),
  };
}
