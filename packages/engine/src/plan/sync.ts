// What `lakehouse sync` fetches: every followed selection planned up to today, kept to the files the archive's
// listing really has (one listing per folder) — so a delisted symbol or a day not published yet is never a 404, a
// monthly file not published yet falls back to the month's daily files, and a followed selection is read back from
// the lakehouse's own run records when none is given.
import type {
  ArchiveFile,
  Catalog,
  CollectionRequest,
  MarketSelection,
  PlanNote,
  StorageBackend,
} from "@crypto-lakehouse/core";
import { addDays, firstDayOfMonth, lastDayOfMonth, todayUtc } from "@crypto-lakehouse/core";
import { listRunSummaries } from "../pipeline/runs.js";
import { type Lister, type Plan, planFiles } from "./planner.js";
import { availability } from "./series.js";

/** A followed selection: a collect request without its end (sync always goes up to today). */
export type FollowedSelection = Omit<CollectionRequest, "end" | "notes">;

export interface SyncPlanContext {
  catalog: Catalog;
  lister: Lister;
  today?: string;
  /** Archive folders kept listed at once (default 256). */
  maxFolders?: number;
}

/** One archive folder's zip names, listed once; the oldest folder is dropped first. */
class Listed {
  private readonly folders = new Map<string, Promise<Set<string>>>();
  constructor(
    private readonly lister: Lister,
    private readonly max: number,
  ) {}
  async has(key: string): Promise<boolean> {
    const prefix = key.slice(0, key.lastIndexOf("/") + 1);
    let p = this.folders.get(prefix);
    if (!p) {
      p = (async () => {
        const names = new Set<string>();
        for await (const e of this.lister(prefix, "/")) if (e.kind === "object") names.add(e.key);
        return names;
      })();
      this.folders.set(prefix, p);
      if (this.folders.size > this.max) this.folders.delete(this.folders.keys().next().value!);
    }
    return (await p).has(key);
  }
}

/** The daily files standing in for a monthly file the archive does not have (yet), within [start, end]. */
function dailiesOf(catalog: Catalog, f: ArchiveFile, start: string | undefined, end: string): ArchiveFile[] {
  const market = catalog.market(f.market);
  const spec = market.matrix.dataTypes[f.dataType];
  if (!spec || !availability(spec, f.interval).daily) return [];
  const from = start && start > firstDayOfMonth(f.period) ? start : firstDayOfMonth(f.period);
  const last = lastDayOfMonth(f.period);
  const to = end < last ? end : last;
  const out: ArchiveFile[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const ref = { ...f, partition: "daily" as const, period: d };
    out.push({ ...ref, key: market.fileKey(ref) });
  }
  return out;
}

/**
 * Plans every selection from its start up to `today`, deduplicated, keeping only files the archive lists. Files
 * the plan expects but the listing lacks are counted in a note (holes, or not published yet), never fetched.
 */
export function planSync(selections: readonly FollowedSelection[], ctx: SyncPlanContext): Plan {
  const today = ctx.today ?? todayUtc();
  const notes: PlanNote[] = [];
  const listed = new Listed(ctx.lister, ctx.maxFolders ?? 256);
  const seen = new Set<string>();
  let absent = 0;
  const note = (n: PlanNote) => {
    if (!notes.some((x) => x.market === n.market && x.message === n.message)) notes.push(n);
  };
  async function* files(): AsyncGenerator<ArchiveFile> {
    for (const sel of selections) {
      const request: CollectionRequest = { ...sel, end: today, notes: [] };
      const plan = planFiles(request, { catalog: ctx.catalog, lister: ctx.lister, today });
      for await (const f of plan.files) {
        if (await listed.has(f.key)) {
          if (!seen.has(f.key)) {
            seen.add(f.key);
            yield f;
          }
          continue;
        }
        // A monthly file not published yet (or a monthly hole): the month's daily files stand in for it.
        const standIns =
          f.partition === "monthly" && sel.partitions === "auto"
            ? dailiesOf(ctx.catalog, f, sel.start, today)
            : [];
        if (!standIns.length) absent++;
        for (const d of standIns) {
          if (seen.has(d.key)) continue;
          if (!(await listed.has(d.key))) {
            absent++;
            continue;
          }
          seen.add(d.key);
          yield d;
        }
      }
      for (const n of plan.notes) note(n);
    }
    if (absent) {
      note({
        level: "info",
        message: `${absent} file${absent === 1 ? "" : "s"} of the followed selection ${absent === 1 ? "is" : "are"} not in the archive's listing (holes, or not published yet): not fetched`,
      });
    }
  }
  return { notes, files: files() };
}

function isSelection(v: unknown): v is FollowedSelection {
  const r = v as Partial<CollectionRequest> | undefined;
  return (
    typeof r === "object" &&
    r !== null &&
    Array.isArray(r.markets) &&
    r.markets.every(
      (m: Partial<MarketSelection>) =>
        typeof m?.market === "string" &&
        Array.isArray(m.dataTypes) &&
        Array.isArray(m.symbols) &&
        Array.isArray(m.patterns),
    ) &&
    typeof r.partitions === "string"
  );
}

/** The selections a run's recorded request holds: a collect's request, or the selections a sync followed. */
function selectionsOf(request: unknown): FollowedSelection[] {
  if (isSelection(request)) return [request];
  const sync = (request as { selections?: unknown } | undefined)?.selections;
  return Array.isArray(sync) ? sync.filter(isSelection) : [];
}

/**
 * What a lakehouse follows: the selections of its recorded collect and sync runs (`_meta/runs/`), the same
 * markets/types/symbols/partitions merged into one with the earliest start; parts the catalog does not know (a
 * plugin not loaded) are left out with a note.
 */
export async function followedSelections(
  storage: StorageBackend,
  catalog: Catalog,
  notes: PlanNote[] = [],
): Promise<FollowedSelection[]> {
  const runs = await listRunSummaries(storage, { onError: () => undefined });
  const merged = new Map<string, FollowedSelection>();
  for (const run of runs) {
    for (const s of selectionsOf(run.request)) {
      const markets = s.markets.filter((m) => {
        const known =
          catalog.markets.has(m.market) &&
          m.dataTypes.every((d) => catalog.market(m.market).matrix.dataTypes[d.dataType] !== undefined);
        if (!known)
          notes.push({
            level: "warn",
            market: m.market,
            message: `run ${run.runId} followed ${m.market} data this catalog does not know (a plugin not loaded?); not synced`,
          });
        return known;
      });
      if (!markets.length) continue;
      const key = JSON.stringify([markets, s.partitions]);
      const prev = merged.get(key);
      if (!prev)
        merged.set(key, { markets, partitions: s.partitions, ...(s.start ? { start: s.start } : {}) });
      else if (prev.start && (!s.start || s.start < prev.start)) {
        // The earliest start wins; no start (from the earliest file) is earlier than any.
        if (s.start) prev.start = s.start;
        else delete prev.start;
      }
    }
  }
  return [...merged.values()];
}
