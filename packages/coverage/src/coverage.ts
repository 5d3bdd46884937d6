// One coverage pass: the series of the selection, each file's state, a summary (counts per series, the longest
// holes) and, when asked, the `coverage` SQL table. Cells stream to the caller's sinks series by series, so
// memory stays bounded by a few series whatever the lakehouse's size.
import {
  type Catalog,
  type Downloader,
  lastDayOfMonth,
  type Partition,
  type StorageBackend,
  todayUtc,
} from "@crypto-lakehouse/core";
import { type Attempt, lastAttempts } from "./bronze.js";
import { type SeriesInput, seriesCells } from "./compute.js";
import { type FolderLister, ListingCache } from "./listing.js";
import { type CoverageSelection, checkSelection, coverageSeries } from "./series.js";
import {
  type CoverageCell,
  type CoverageState,
  emptyStateCounts,
  type SeriesRef,
  type StateCounts,
  seriesLabel,
} from "./states.js";
import { metaTableFolder, ParquetTableWriter, type TableColumn } from "./table.js";

export interface CoverageOptions {
  storage: StorageBackend;
  catalog: Catalog;
  /** Lists one archive folder (the downloader's `list` with delimiter `/`). */
  lister: FolderLister;
  /** Which archive (endpoint + bucket): the listing cache is per archive. */
  source: string;
  selection?: CoverageSelection;
  /** `YYYY-MM-DD` (UTC), for tests. */
  today?: string;
  /** A cached folder listing younger than this is used as it is (default 6 h; 0 lists everything again). */
  listingMaxAgeMs?: number;
  /** Writes the `coverage` SQL table (`_meta/tables/coverage/coverage.parquet`; default true). */
  writeTable?: boolean;
  /** Called with each cell, in series order. */
  onCell?: (cell: CoverageCell) => void | Promise<void>;
  /** Longest holes kept in the summary (default 20). */
  holes?: number;
}

export interface SeriesSummary extends SeriesRef {
  counts: StateCounts;
  /** First and last day covered by a reported file (`YYYY-MM-DD`; a monthly file covers its month). */
  first?: string;
  last?: string;
  bytes: number;
}

export interface HoleRun extends SeriesRef {
  partition: Partition;
  from: string;
  to: string;
  files: number;
}

export interface CoverageSummary {
  generatedAt: string;
  today: string;
  series: SeriesSummary[];
  totals: StateCounts;
  /** The longest runs of consecutive holes, longest first. */
  holes: HoleRun[];
  /** Runs of holes in all. */
  holeRuns: number;
  listing: { listed: number; cached: number };
  /** Where the SQL table was written, when it was. */
  table?: string;
}

export const COVERAGE_COLUMNS: readonly TableColumn[] = [
  { name: "market", type: "VARCHAR" },
  { name: "data_type", type: "VARCHAR" },
  { name: "symbol", type: "VARCHAR" },
  { name: "interval", type: "VARCHAR" },
  { name: "partition", type: "VARCHAR" },
  { name: "period", type: "VARCHAR" },
  { name: "date", type: "DATE" },
  { name: "state", type: "VARCHAR" },
  { name: "size", type: "BIGINT" },
  { name: "key", type: "VARCHAR" },
  { name: "reason", type: "VARCHAR" },
  { name: "run_id", type: "VARCHAR" },
];

export const COVERAGE_TABLE_KEY = `${metaTableFolder("coverage")}coverage.parquet`;

/** A cell as a row of the `coverage` table / CSV, in COVERAGE_COLUMNS order. */
export function coverageRow(c: CoverageCell): unknown[] {
  const date = c.partition === "daily" ? c.period : `${c.period}-01`;
  return [
    c.market,
    c.dataType,
    c.symbol,
    c.interval,
    c.partition,
    c.period,
    date,
    c.state,
    c.size,
    c.key,
    c.reason,
    c.runId,
  ];
}

/** Series computed ahead while the current one streams out (their listings overlap). */
const LOOKAHEAD = 4;

class Summarizer {
  readonly series: SeriesSummary[] = [];
  readonly totals = emptyStateCounts();
  private readonly holes: HoleRun[] = [];
  holeRuns = 0;
  private run?: HoleRun;
  constructor(private readonly keep: number) {}

  start(s: SeriesRef): SeriesSummary {
    const sum: SeriesSummary = { ...s, counts: emptyStateCounts(), bytes: 0 };
    this.series.push(sum);
    return sum;
  }

  add(sum: SeriesSummary, c: CoverageCell): void {
    sum.counts[c.state]++;
    this.totals[c.state]++;
    if ((c.state === "verified" || c.state === "unverified") && c.size) sum.bytes += c.size;
    const daily = c.partition === "daily";
    const first = daily ? c.period : `${c.period}-01`;
    const last = daily ? c.period : lastDayOfMonth(c.period);
    if (!sum.first || first < sum.first) sum.first = first;
    if (!sum.last || last > sum.last) sum.last = last;
    if (c.state !== "hole") {
      this.close();
      return;
    }
    if (this.run && this.run.partition === c.partition && seriesLabel(this.run) === seriesLabel(c)) {
      this.run.to = c.period;
      this.run.files++;
      return;
    }
    this.close();
    const { market, dataType, symbol, interval, partition, period } = c;
    this.run = {
      market,
      dataType,
      symbol,
      ...(interval ? { interval } : {}),
      partition,
      from: period,
      to: period,
      files: 1,
    };
  }

  close(): void {
    if (!this.run) return;
    this.holeRuns++;
    this.holes.push(this.run);
    this.run = undefined;
    if (this.holes.length > this.keep * 2) this.trim();
  }

  private trim(): void {
    this.holes.sort((a, b) => b.files - a.files || (a.from < b.from ? -1 : 1));
    this.holes.length = Math.min(this.holes.length, this.keep);
  }

  longestHoles(): HoleRun[] {
    this.close();
    this.trim();
    return this.holes;
  }
}

/** Computes the coverage of the selection (default: every series bronze holds). */
export async function computeCoverage(o: CoverageOptions): Promise<CoverageSummary> {
  const sel = o.selection ?? {};
  checkSelection(sel, o.catalog);
  const today = o.today ?? todayUtc();
  const listing = new ListingCache(o.storage, o.lister, {
    source: o.source,
    ...(o.listingMaxAgeMs !== undefined ? { maxAgeMs: o.listingMaxAgeMs } : {}),
  });
  const [series, attempts] = await Promise.all([
    coverageSeries(o.storage, o.catalog, listing, sel),
    lastAttempts(o.storage),
  ]);
  const table =
    o.writeTable === false
      ? undefined
      : new ParquetTableWriter(o.storage, COVERAGE_TABLE_KEY, COVERAGE_COLUMNS);
  const sum = new Summarizer(o.holes ?? 20);
  try {
    for await (const [s, cells] of ahead(series, attempts, listing, o, sel, today)) {
      // A series with nothing to report (a monthly-only interval under --partitions daily) is left out.
      if (cells.length === 0) continue;
      const ss = sum.start(s);
      for (const c of cells) {
        sum.add(ss, c);
        await o.onCell?.(c);
        await table?.add(coverageRow(c));
      }
      sum.close();
    }
    await table?.finish();
  } catch (e) {
    await table?.abort();
    throw e;
  }
  return {
    generatedAt: new Date().toISOString(),
    today,
    series: sum.series,
    totals: sum.totals,
    holes: sum.longestHoles(),
    holeRuns: sum.holeRuns,
    listing: { ...listing.stats },
    ...(table ? { table: COVERAGE_TABLE_KEY } : {}),
  };
}

export interface UpdateCoverageOptions {
  storage: StorageBackend;
  catalog: Catalog;
  downloader: Pick<Downloader, "list">;
  /** `archiveSource(settings)`: endpoint + bucket. */
  source: string;
  today?: string;
  listingMaxAgeMs?: number;
}

/**
 * Brings the `coverage` table up to date for every series bronze holds (what `lakehouse sync` calls after its
 * run): the same pass as `lakehouse coverage` without a selection.
 */
export function updateCoverage(o: UpdateCoverageOptions): Promise<CoverageSummary> {
  return computeCoverage({
    storage: o.storage,
    catalog: o.catalog,
    lister: (prefix) => o.downloader.list(prefix, { delimiter: "/" }),
    source: o.source,
    ...(o.today ? { today: o.today } : {}),
    ...(o.listingMaxAgeMs !== undefined ? { listingMaxAgeMs: o.listingMaxAgeMs } : {}),
  });
}

/** Each series with its cells, computing up to LOOKAHEAD series ahead of the consumer. */
async function* ahead(
  series: SeriesInput[],
  attempts: ReadonlyMap<string, Attempt>,
  listing: ListingCache,
  o: CoverageOptions,
  sel: CoverageSelection,
  today: string,
): AsyncGenerator<[SeriesRef, CoverageCell[]]> {
  const ctx = {
    storage: o.storage,
    listing,
    attempts,
    today,
    ...(sel.start ? { start: sel.start } : {}),
    ...(sel.end ? { end: sel.end } : {}),
    ...(sel.partitions ? { partitions: sel.partitions } : {}),
  };
  const load = async (s: SeriesInput) => {
    const cells: CoverageCell[] = [];
    for await (const c of seriesCells(s, ctx)) cells.push(c);
    return cells;
  };
  const queue: Promise<CoverageCell[]>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < LOOKAHEAD && next < series.length) {
      const p = load(series[next++]!);
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  for (let i = 0; i < series.length; i++) {
    fill();
    const cells = await queue.shift()!;
    const { plugin: _p, spec: _s, ...ref } = series[i]!;
    yield [ref, cells];
  }
}

export type { CoverageState };
