// Which series a coverage report covers: the ones bronze holds (everything the lakehouse follows) and, when the
// selection names symbols (exact or globs) with markets and data types, the archive's matching ones.
import {
  type Catalog,
  isRealDate,
  LakehouseError,
  META,
  type Partition,
  type StorageBackend,
} from "@crypto-lakehouse/core";
import picomatch from "picomatch";
import type { SeriesInput } from "./compute.js";
import type { ListingCache } from "./listing.js";
import { seriesLabel } from "./states.js";

export interface CoverageSelection {
  markets?: string[];
  dataTypes?: string[];
  /** Exact symbols or globs (`*USDT`). */
  symbols?: string[];
  intervals?: string[];
  start?: string;
  end?: string;
  partitions?: Partition[];
}

/** Throws CONFIG_INVALID (exit 2) naming the field, what was wrong and what is allowed. */
export function checkSelection(sel: CoverageSelection, catalog: Catalog): void {
  const problems: string[] = [];
  const known = [...catalog.markets.keys()];
  for (const m of sel.markets ?? []) {
    if (!catalog.markets.has(m))
      problems.push(`--market: '${m}' is not a market (known: ${known.join(", ")})`);
  }
  const markets = (sel.markets ?? known).filter((m) => catalog.markets.has(m));
  for (const t of sel.dataTypes ?? []) {
    if (!markets.some((m) => catalog.market(m).matrix.dataTypes[t])) {
      problems.push(`--data-types: no selected market publishes '${t}' (see \`lakehouse matrix\`)`);
    }
  }
  for (const [flag, v] of [
    ["--start", sel.start],
    ["--end", sel.end],
  ] as const) {
    if (v !== undefined && !isRealDate(v)) problems.push(`${flag}: '${v}' is not a date (YYYY-MM-DD)`);
  }
  if (problems.length === 0 && sel.start && sel.end && sel.start > sel.end) {
    problems.push(`--start ${sel.start} is after --end ${sel.end}`);
  }
  if (problems.length)
    throw new LakehouseError("CONFIG_INVALID", problems[0]!, { details: problems.slice(1) });
}

function matcher(patterns: string[] | undefined): (s: string) => boolean {
  if (!patterns?.length) return () => true;
  const ms = patterns.map((p) => picomatch(p));
  return (s) => ms.some((m) => m(s));
}

function inputOf(catalog: Catalog, market: string, dataType: string, symbol: string, interval?: string) {
  const plugin = catalog.markets.get(market);
  const spec = plugin?.matrix.dataTypes[dataType];
  if (!plugin || !spec) return undefined;
  if ((spec.keyShape === "interval") !== (interval !== undefined)) return undefined;
  return { market, dataType, symbol, ...(interval ? { interval } : {}), plugin, spec } as SeriesInput;
}

/** Series with a record in bronze (`_meta/files/bronze/<market>/<type>/<partition>/<SYMBOL>/[<interval>/]…`). */
export async function bronzeSeries(
  storage: StorageBackend,
  catalog: Catalog,
  sel: CoverageSelection,
): Promise<SeriesInput[]> {
  const root = `${META}/files/bronze/`;
  const found = new Map<string, SeriesInput>();
  const symbolOk = matcher(sel.symbols);
  let lastFolder = "";
  for await (const o of storage.list(root)) {
    const folder = o.key.slice(0, o.key.lastIndexOf("/"));
    // Listings come folder by folder: parse each folder once.
    if (folder === lastFolder) continue;
    lastFolder = folder;
    const parts = folder.slice(root.length).split("/");
    if (parts.length < 4 || parts.length > 5) continue;
    const [market, dataType, , symbol, interval] = parts as [string, string, string, string, string?];
    if (sel.markets && !sel.markets.includes(market)) continue;
    if (sel.dataTypes && !sel.dataTypes.includes(dataType)) continue;
    if (!symbolOk(symbol)) continue;
    if (sel.intervals && interval && !sel.intervals.includes(interval)) continue;
    const s = inputOf(catalog, market, dataType, symbol, interval);
    if (s) found.set(seriesLabel(s), s);
  }
  return [...found.values()];
}

/** Series the archive has for the selection's markets × data types × symbols (listing each type folder once). */
export async function archiveSeries(
  catalog: Catalog,
  listing: ListingCache,
  sel: CoverageSelection,
): Promise<SeriesInput[]> {
  if (!sel.symbols?.length || !sel.dataTypes?.length) return [];
  const out: SeriesInput[] = [];
  const symbolOk = matcher(sel.symbols);
  for (const market of sel.markets ?? [...catalog.markets.keys()]) {
    const plugin = catalog.market(market);
    for (const dataType of sel.dataTypes) {
      const spec = plugin.matrix.dataTypes[dataType];
      if (!spec) continue;
      const symbols = new Set<string>();
      for (const p of spec.partitions as Partition[]) {
        if (spec.windows?.[p]?.empty) continue;
        for (const f of (await listing.folder(plugin.dataTypePrefix(p, dataType))).folders) {
          if (symbolOk(f)) symbols.add(f);
        }
      }
      const intervals =
        spec.keyShape === "interval"
          ? [...new Set([...(spec.intervals?.daily ?? []), ...(spec.intervals?.monthly ?? [])])].filter(
              (i) => !sel.intervals || sel.intervals.includes(i),
            )
          : [undefined];
      for (const symbol of [...symbols].sort()) {
        for (const interval of intervals) {
          const s = inputOf(catalog, market, dataType, symbol, interval);
          if (s) out.push(s);
        }
      }
    }
  }
  return out;
}

/** Bronze's series and the archive's for the selection, each once, sorted. */
export async function coverageSeries(
  storage: StorageBackend,
  catalog: Catalog,
  listing: ListingCache,
  sel: CoverageSelection,
): Promise<SeriesInput[]> {
  const all = new Map<string, SeriesInput>();
  for (const s of [
    ...(await bronzeSeries(storage, catalog, sel)),
    ...(await archiveSeries(catalog, listing, sel)),
  ]) {
    all.set(seriesLabel(s), s);
  }
  return [...all.values()].sort((a, b) => {
    const la = seriesLabel(a);
    const lb = seriesLabel(b);
    return la < lb ? -1 : la > lb ? 1 : 0;
  });
}
