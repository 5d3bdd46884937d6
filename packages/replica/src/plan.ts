// Which files a replica holds: every key the market plugins' matrix says exists for the chosen selection.
import {
  type ArchiveFile,
  type DataTypeSpec,
  LakehouseError,
  type MarketId,
  type MarketPlugin,
  type Partition,
} from "@crypto-lakehouse/core";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";
import { dateMs, daysBetween, periodRange, periodStartDate, wholeMonthsBetween } from "./calendar.js";
import { hasGenerator } from "./csv/index.js";
import { chooseHoles, chooseStale } from "./quirks.js";
import type { ReplicaOptions } from "./types.js";

export type ReplicaSelection = Pick<
  ReplicaOptions,
  | "markets"
  | "dataTypes"
  | "symbols"
  | "start"
  | "end"
  | "intervals"
  | "partitions"
  | "quirks"
  | "holeMinFiles"
  | "plugins"
  | "delisted"
>;

export interface PlannedFile extends ArchiveFile {
  plugin: MarketPlugin;
  spec: DataTypeSpec;
}

export interface ReplicaPlan {
  /** Every file the matrix says exists for the selection, sorted by key (holes included). */
  files: PlannedFile[];
  /** Keys left out on purpose (quirks on). */
  holes: string[];
  /** Key whose sidecar will be stale (quirks on). */
  stale?: string;
  /** Datasets in the selection that the matrix marks empty, `market/partition/dataType`. */
  emptyDataTypes: string[];
}

const invalid = (msg: string, details?: string[]) =>
  new LakehouseError("CONFIG_INVALID", msg, details ? { details } : undefined);

/**
 * Maps a requested symbol to the archive's spelling for one data type; undefined when it does not apply. The market's
 * replica format narrows (`symbolPatterns`) and rewrites (`symbolRewrites`) what its symbol rules accept.
 */
export function replicaSymbolFor(plugin: MarketPlugin, dataType: string, symbol: string): string | undefined {
  const format = plugin.replica;
  let resolved = plugin.resolveSymbol(dataType, symbol)?.symbol;
  for (const r of format?.symbolRewrites?.[dataType] ?? []) {
    if (resolved) break;
    const re = new RegExp(r.pattern);
    if (re.test(symbol)) resolved = plugin.resolveSymbol(dataType, symbol.replace(re, r.replacement))?.symbol;
  }
  const narrower = format?.symbolPatterns?.[dataType];
  if (resolved && narrower !== undefined && !new RegExp(narrower).test(resolved)) return undefined;
  return resolved;
}

function inWindow(spec: DataTypeSpec, partition: Partition, day: string): boolean {
  const w = spec.windows?.[partition];
  if (!w) return true;
  if (w.empty) return false;
  return (!w.from || day >= w.from) && (!w.to || day <= w.to);
}

function normaliseInterval(i: string): string {
  return i === "1M" ? "1mo" : i;
}

/** Checks the selection, throwing CONFIG_INVALID with every problem. */
function validate(sel: ReplicaSelection, plugins: ReadonlyMap<string, MarketPlugin>): void {
  const problems: string[] = [];
  for (const [name, v] of [
    ["start", sel.start],
    ["end", sel.end],
  ] as const) {
    if (typeof v !== "string" || Number.isNaN(dateMs(v)))
      problems.push(`${name}: '${v}' is not a date (YYYY-MM-DD)`);
  }
  if (problems.length === 0 && sel.start > sel.end)
    problems.push(`start ${sel.start} is after end ${sel.end}`);
  const markets = sel.markets ?? [...plugins.keys()];
  for (const m of markets)
    if (!plugins.has(m))
      problems.push(`markets: unknown market '${m}' (known: ${[...plugins.keys()].join(", ")})`);
  const chosen = markets.map((m) => plugins.get(m)).filter((p): p is MarketPlugin => !!p);
  for (const dt of sel.dataTypes ?? []) {
    if (!chosen.some((p) => p.matrix.dataTypes[dt]))
      problems.push(`dataTypes: no selected market has '${dt}'`);
    else if (!hasGenerator(dt)) problems.push(`dataTypes: the replica cannot write '${dt}' yet`);
  }
  for (const i of sel.intervals ?? []) {
    const known = chosen.some((p) =>
      Object.values(p.matrix.dataTypes).some(
        (s) =>
          s.intervals?.daily?.includes(normaliseInterval(i)) ||
          s.intervals?.monthly?.includes(normaliseInterval(i)),
      ),
    );
    if (!known) problems.push(`intervals: no selected market has kline interval '${i}'`);
  }
  for (const p of sel.partitions ?? [])
    if (p !== "daily" && p !== "monthly") problems.push(`partitions: '${p}' is not daily or monthly`);
  for (const d of sel.delisted ?? []) {
    if (typeof d.lastDay !== "string" || Number.isNaN(dateMs(d.lastDay)))
      problems.push(`delisted: '${d.lastDay}' (${d.symbol}) is not a date (YYYY-MM-DD)`);
  }
  const h = sel.holeMinFiles;
  if (h !== undefined && (!Number.isInteger(h) || h < 1))
    problems.push(`holeMinFiles: must be a whole number ≥ 1 (got ${h})`);
  if (problems.length > 0) throw invalid("Replica options are invalid", problems);
}

/** Plans a replica: the files, the holes, the stale sidecar and the empty datasets, without touching the disk. */
export function planReplica(sel: ReplicaSelection): ReplicaPlan {
  const plugins = new Map((sel.plugins ?? BUILTIN_MARKETS).map((p) => [p.id as string, p]));
  validate(sel, plugins);
  const quirks = sel.quirks ?? true;
  const intervals = sel.intervals?.map(normaliseInterval);
  const partitions = sel.partitions ?? ["daily", "monthly"];
  const periods: Record<Partition, string[]> = {
    daily: daysBetween(sel.start, sel.end),
    monthly: wholeMonthsBetween(sel.start, sel.end),
  };
  const files: PlannedFile[] = [];
  const emptyDataTypes: string[] = [];
  for (const marketId of sel.markets ?? [...plugins.keys()]) {
    const plugin = plugins.get(marketId)!;
    const requested = sel.symbols?.[marketId] ?? plugin.replica?.sampleSymbols ?? [];
    for (const [dataType, spec] of Object.entries(plugin.matrix.dataTypes)) {
      if (sel.dataTypes && !sel.dataTypes.includes(dataType)) continue;
      if (!hasGenerator(dataType)) continue;
      const symbols = [
        ...new Set(requested.map((s) => replicaSymbolFor(plugin, dataType, s)).filter((s) => !!s)),
      ] as string[];
      for (const partition of spec.partitions) {
        if (!partitions.includes(partition)) continue;
        if (spec.windows?.[partition]?.empty) {
          emptyDataTypes.push(`${marketId}/${partition}/${dataType}`);
          continue;
        }
        const folders =
          spec.keyShape === "interval"
            ? (spec.intervals?.[partition] ?? []).filter((i) => !intervals || intervals.includes(i))
            : [undefined];
        for (const symbol of symbols) {
          for (const interval of folders) {
            for (const period of periods[partition]) {
              if (!inWindow(spec, partition, periodStartDate(partition, period))) continue;
              const ref = {
                market: marketId as MarketId,
                partition,
                dataType,
                symbol,
                period,
                ...(interval ? { interval } : {}),
              };
              files.push({ ...ref, key: plugin.fileKey(ref), plugin, spec });
            }
          }
        }
      }
    }
  }
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const listed = files.filter((f) => !isDelisted(f, sel.delisted));
  files.length = 0;
  files.push(...listed);
  const holes = quirks ? chooseHoles(files, sel.holeMinFiles) : [];
  const stale = quirks ? chooseStale(files, holes) : undefined;
  return { files, holes, ...(stale ? { stale } : {}), emptyDataTypes };
}

/** Whether the file falls after its symbol's delisting (its period ends after `lastDay`). */
function isDelisted(f: ArchiveFile, delisted: ReplicaSelection["delisted"]): boolean {
  const d = delisted?.find((x) => x.symbol === f.symbol && (!x.market || x.market === f.market));
  if (!d) return false;
  // Period ends are exclusive: a file is kept when it ends by the end of `lastDay`.
  return periodRange(f.partition, f.period).end > dateMs(d.lastDay) + 86_400_000;
}

/** Keys of the zips a replica with these options holds (holes left out, benchmark files not included). */
export function replicaKeysFor(sel: ReplicaSelection): string[] {
  const plan = planReplica(sel);
  const holes = new Set(plan.holes);
  return plan.files.filter((f) => !holes.has(f.key)).map((f) => f.key);
}
