// Gives every expected file of a series one coverage state, from the archive's listing (cached), bronze's
// listing and the last attempts. A series' range is its first to last file in either; a series still being
// published runs on to yesterday (last month for monthly files), so trailing days show as pending or holes.
import {
  addDays,
  bronzeFolder,
  type DataTypeSpec,
  fromDayNumber,
  type MarketPlugin,
  monthOf,
  nextMonth,
  type Partition,
  toDayNumber,
} from "@crypto-lakehouse/core";
import { isPending } from "@crypto-lakehouse/engine";
import { type Attempt, type StoredZip, storedFolder } from "./bronze.js";
import type { ListedObject, ListingCache } from "./listing.js";
import type { CoverageCell, CoverageState, SeriesRef } from "./states.js";

export interface CoverageContext {
  storage: Parameters<typeof storedFolder>[0];
  listing: ListingCache;
  attempts: ReadonlyMap<string, Attempt>;
  /** `YYYY-MM-DD` (UTC). */
  today: string;
  /** Only days (months) inside `[start, end]`. */
  start?: string;
  end?: string;
  partitions?: readonly Partition[];
}

export interface SeriesInput extends SeriesRef {
  plugin: MarketPlugin;
  spec: DataTypeSpec;
}

/** A series whose newest file is at least this recent is still published: its range runs on to yesterday. */
const LIVE_DAYS = 7;

interface PartitionState {
  partition: Partition;
  archive: Map<string, ListedObject>;
  stored: Map<string, StoredZip>;
  listedAt: number;
}

function periodOf(name: string, partition: Partition): string | undefined {
  if (!name.endsWith(".zip")) return undefined;
  const p = partition === "daily" ? name.slice(-14, -4) : name.slice(-11, -4);
  return (partition === "daily" ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}$/).test(p) ? p : undefined;
}

function byPeriod<T>(m: Iterable<[string, T]>, partition: Partition): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, v] of m) {
    const p = periodOf(name, partition);
    if (p) out.set(p, v);
  }
  return out;
}

export function seriesPartitions(s: SeriesInput, only?: readonly Partition[]): Partition[] {
  return (s.spec.partitions as Partition[]).filter(
    (p) =>
      (!only || only.includes(p)) &&
      !s.spec.windows?.[p]?.empty &&
      (s.interval === undefined || (s.spec.intervals?.[p] ?? []).includes(s.interval)),
  );
}

async function loadPartition(s: SeriesInput, p: Partition, ctx: CoverageContext): Promise<PartitionState> {
  const [listing, stored] = await Promise.all([
    ctx.listing.folder(s.plugin.symbolPrefix(p, s.dataType, s.symbol, s.interval)),
    storedFolder(ctx.storage, bronzeFolder(s.market, s.dataType, p, s.symbol, s.interval)),
  ]);
  return {
    partition: p,
    archive: byPeriod(
      listing.objects.map((o) => [o.name, o] as [string, ListedObject]),
      p,
    ),
    stored: byPeriod(stored, p),
    listedAt: listing.listedAt,
  };
}

/** The periods to report for one partition: first to last known file, extended while live, clipped. */
function periodRange(st: PartitionState, s: SeriesInput, ctx: CoverageContext): string[] {
  const known = [...st.archive.keys(), ...st.stored.keys()].sort();
  if (known.length === 0) return [];
  const daily = st.partition === "daily";
  let first = known[0]!;
  let last = known[known.length - 1]!;
  const yesterday = addDays(ctx.today, -1);
  const lastMonth = monthOf(addDays(`${monthOf(ctx.today)}-01`, -1));
  if (daily && last >= addDays(ctx.today, -LIVE_DAYS) && last < yesterday) last = yesterday;
  if (!daily && last >= monthOf(addDays(ctx.today, -62)) && last < lastMonth) last = lastMonth;
  const win = s.spec.windows?.[st.partition];
  const clip = (d: string | undefined) => (d === undefined ? undefined : daily ? d : monthOf(d));
  for (const from of [clip(ctx.start), clip(win?.from)]) if (from && from > first) first = from;
  for (const to of [clip(ctx.end), clip(win?.to)]) if (to && to < last) last = to;
  const out: string[] = [];
  if (daily) {
    for (let n = toDayNumber(first), e = toDayNumber(last); n <= e; n++) out.push(fromDayNumber(n));
  } else {
    for (let m = first; m <= last; m = nextMonth(m)) out.push(m);
  }
  return out;
}

type Decision = Pick<CoverageCell, "state" | "size" | "reason" | "runId">;

function decide(
  period: string,
  key: string,
  st: PartitionState,
  monthly: PartitionState | undefined,
  ctx: CoverageContext,
): Decision {
  const stored = st.stored.get(period);
  if (stored?.record) {
    return stored.checksum
      ? { state: "verified", size: stored.size }
      : {
          state: "unverified",
          size: stored.size,
          reason: "stored without a verified .CHECKSUM (--no-checksum, or the archive published none)",
        };
  }
  if (st.partition === "daily" && monthly?.stored.get(period.slice(0, 7))?.record) {
    return { state: "superseded", reason: `covered by the monthly file ${period.slice(0, 7)}` };
  }
  const listed = st.archive.get(period);
  if (!listed) {
    const ref = { partition: st.partition, period } as const;
    if (isPending({ ...ref, market: "", dataType: "", symbol: "", key }, ctx.today))
      return { state: "pending", reason: "too recent to be published yet" };
    return {
      state: "hole",
      reason: `not in the archive's listing (listed ${new Date(st.listedAt).toISOString().slice(0, 16)}Z)`,
    };
  }
  const attempt = ctx.attempts.get(key);
  const failedState: Record<string, CoverageState> = {
    failed: "failed",
    checksum_mismatch: "quarantined",
  };
  const s = attempt && failedState[attempt.outcome];
  if (s) return { state: s, size: listed.size, reason: attempt.reason, runId: attempt.runId };
  if (stored) {
    return {
      state: "not_collected",
      size: listed.size,
      reason:
        "a zip without its record is in bronze (an interrupted store): the next collect fetches it again",
    };
  }
  return { state: "not_collected", size: listed.size };
}

/** Every expected file of the series, daily ones first, in period order. */
export async function* seriesCells(s: SeriesInput, ctx: CoverageContext): AsyncGenerator<CoverageCell> {
  const parts = seriesPartitions(s, ctx.partitions);
  // Monthly files are loaded even when only daily ones are reported: they decide what is superseded.
  const loadMonthly = seriesPartitions(s).includes("monthly");
  const states = await Promise.all(parts.map((p) => loadPartition(s, p, ctx)));
  const monthly =
    states.find((x) => x.partition === "monthly") ??
    (loadMonthly ? await loadPartition(s, "monthly", ctx) : undefined);
  const ref: SeriesRef = {
    market: s.market,
    dataType: s.dataType,
    symbol: s.symbol,
    ...(s.interval ? { interval: s.interval } : {}),
  };
  for (const st of states) {
    for (const period of periodRange(st, s, ctx)) {
      const key = s.plugin.fileKey({ ...ref, partition: st.partition, period });
      yield { ...ref, partition: st.partition, period, key, ...decide(period, key, st, monthly, ctx) };
    }
  }
}
