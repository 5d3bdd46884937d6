// The archive's quirks as rules: which files get headers, µs times, duplicated rows, and which become holes or stale.
import type { ArchiveFile, CsvSchema, MarketId, MarketPlugin, Partition } from "@crypto-lakehouse/core";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";
import { periodStartDate } from "./calendar.js";

/** Dates of the quirks (docs/archive.md §6). */
export const QUIRK_DATES = {
  headerDailyFrom: "2022-08-11",
  headerMonthlyFrom: "2022-05",
  microsecondsFrom: "2025-01-01",
  /** The window the built-in markets give metrics' duplicated rows (see ReplicaFormat.duplicatedRows). */
  duplicatedMetrics: builtinWindow("metrics"),
} as const;

/** The dates a built-in market's replica format gives a data type's duplicated rows. */
function builtinWindow(dataType: string): { from: string; to: string } {
  for (const m of BUILTIN_MARKETS) {
    const w = m.replica?.duplicatedRows?.[dataType];
    if (w?.from && w.to) return { from: w.from, to: w.to };
  }
  throw new Error(`No built-in market dates the duplicated rows of ${dataType}`);
}

/** Row index of the flat zero-volume kline in files that carry an outage. */
export const OUTAGE_ROW = 2;

/**
 * Whether a file starts with a header row. "sometimes" types (futures klines, aggTrades, USD-M trades) have none
 * before 2022-08-11 (monthly: before 2022-05) when quirks are on, and always one when they are off.
 */
export function hasHeader(
  csv: CsvSchema | undefined,
  partition: Partition,
  period: string,
  quirks: boolean,
): boolean {
  const mode = csv?.header ?? "always";
  if (mode !== "sometimes") return mode === "always";
  if (!quirks) return true;
  return partition === "daily"
    ? period >= QUIRK_DATES.headerDailyFrom
    : period >= QUIRK_DATES.headerMonthlyFrom;
}

/** Unit of epoch cells: the schema's, switched (spot: µs from 2025-01-01) only when quirks are on. */
export function timeUnitFor(
  csv: CsvSchema | undefined,
  partition: Partition,
  period: string,
  quirks: boolean,
): "ms" | "us" | "text" | "none" {
  const unit = csv?.timeUnit ?? "ms";
  const sw = csv?.timeUnitSwitch;
  if (quirks && sw && periodStartDate(partition, period) >= sw.from) return sw.unit;
  return unit;
}

/** Whether every row / event of a file is written twice: the market's replica format says which types, and when. */
export function isDuplicated(
  market: MarketPlugin,
  dataType: string,
  partition: Partition,
  period: string,
  quirks: boolean,
): boolean {
  if (!quirks) return false;
  const when = market.replica?.duplicatedRows?.[dataType];
  if (!when) return false;
  const day = periodStartDate(partition, period);
  return (!when.from || day >= when.from) && (!when.to || day <= when.to);
}

/** A series is one symbol's files of one type/interval/partition, in period order. */
function seriesOf(f: ArchiveFile): string {
  return `${f.market}/${f.partition}/${f.dataType}/${f.symbol}/${f.interval ?? ""}`;
}

/** Kline-class series (klines, index/mark/premium price klines) are the ones filed under an interval folder. */
const klineClass = (f: ArchiveFile) => f.interval !== undefined;

/**
 * One hole per partition, strictly inside a series (its neighbours exist, like spot BTCUSDT 1mo 2024-03 between
 * 2024-02 and 2024-04): the middle file of the first kline-class series with at least three files, else of any.
 * `minFiles` lowers that length (1: a series of one file loses it, so short ranges get a monthly hole too).
 */
export function chooseHoles(files: readonly ArchiveFile[], minFiles = 3): string[] {
  const holes: string[] = [];
  for (const partition of ["daily", "monthly"] as const) {
    const series = new Map<string, ArchiveFile[]>();
    for (const f of files) {
      if (f.partition !== partition) continue;
      const id = seriesOf(f);
      const list = series.get(id) ?? [];
      list.push(f);
      series.set(id, list);
    }
    const candidates = [...series.entries()]
      .filter(([, list]) => list.length >= minFiles)
      .sort(([a, la], [b, lb]) => {
        const ka = klineClass(la[0]!) ? 0 : 1;
        const kb = klineClass(lb[0]!) ? 0 : 1;
        return ka - kb || (a < b ? -1 : a > b ? 1 : 0);
      });
    const chosen = candidates[0]?.[1];
    if (chosen) {
      const sorted = [...chosen].sort((a, b) => (a.period < b.period ? -1 : 1));
      holes.push(sorted[Math.floor(sorted.length / 2)]!.key);
    }
  }
  return holes;
}

/**
 * The file whose CHECKSUM goes stale: the first file of the kind its market lists first in its replica format's
 * `staleChecksums` (spot: a `1s` klines file, else any klines file), else the first file.
 */
export function chooseStale(
  files: readonly (ArchiveFile & { plugin: MarketPlugin })[],
  holes: readonly string[],
): string | undefined {
  const present = files.filter((f) => !holes.includes(f.key));
  let chosen: ArchiveFile | undefined;
  let rank = Number.POSITIVE_INFINITY;
  for (const f of present) {
    const r = (f.plugin.replica?.staleChecksums ?? []).findIndex(
      (s) => s.dataType === f.dataType && (s.interval === undefined || s.interval === f.interval),
    );
    if (r >= 0 && r < rank) [chosen, rank] = [f, r];
  }
  return (chosen ?? present[0])?.key;
}

/**
 * Whether the market's CHECKSUM files end with `\n` (spot's do not): the market says so in its replica format. A bare
 * id is looked up among the built-in markets.
 */
export function checksumHasNewline(market: MarketPlugin | MarketId): boolean {
  const plugin = typeof market === "string" ? BUILTIN_MARKETS.find((m) => m.id === market) : market;
  return plugin?.replica?.checksumNewline ?? true;
}
