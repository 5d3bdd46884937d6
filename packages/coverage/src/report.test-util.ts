// Synthetic coverage cells for the HTML report at scale (tests and `pnpm bench coverage`): `symbols` daily series
// of `days` days each, mostly verified with sizes drifting like real ones, and some holes, failures and pending days.
import { fromDayNumber, toDayNumber } from "@crypto-lakehouse/core";
import type { CoverageSummary } from "./coverage.js";
import { type CoverageCell, type CoverageState, emptyStateCounts } from "./states.js";

export interface SyntheticGrid {
  symbols: number;
  days: number;
  /** First day (default 2020-01-01). */
  start?: string;
}

/** A small deterministic PRNG (mulberry32), so every run draws the same grid. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticSymbol(i: number): string {
  return `S${String(i).padStart(4, "0")}USDT`;
}

/** The state of cell (symbol i, day d): the same answer the generator gave, for checking a rendering. */
export function syntheticState(i: number, d: number, days: number): CoverageState {
  if (d >= days - 2) return "pending";
  if ((i * 7 + d) % 997 === 0) return "hole";
  if ((i + d * 13) % 1499 === 0) return "failed";
  if (i % 10 === 3 && d > days - 60) return "not_collected";
  if (i % 17 === 5 && d < 30) return "unverified";
  return "verified";
}

export function* syntheticCells(g: SyntheticGrid): Generator<CoverageCell> {
  const first = toDayNumber(g.start ?? "2020-01-01");
  const periods = Array.from({ length: g.days }, (_, d) => fromDayNumber(first + d));
  for (let i = 0; i < g.symbols; i++) {
    const symbol = syntheticSymbol(i);
    const next = rng(i + 1);
    let size = 20_000 + next() * 2_000_000;
    for (let d = 0; d < g.days; d++) {
      size = Math.max(1000, size * (0.9 + next() * 0.2));
      const period = periods[d]!;
      const state = syntheticState(i, d, g.days);
      const cell: CoverageCell = {
        market: "spot",
        dataType: "trades",
        symbol,
        partition: "daily",
        period,
        state,
        key: `data/spot/daily/trades/${symbol}/${symbol}-trades-${period}.zip`,
      };
      if (state !== "pending" && state !== "hole") cell.size = Math.round(size);
      if (state === "failed") cell.reason = "timed out after 4 attempts";
      yield cell;
    }
  }
}

/** A summary to render the synthetic grid with. */
export function syntheticSummary(): CoverageSummary {
  return {
    generatedAt: new Date(0).toISOString(),
    today: "2030-01-01",
    series: [],
    totals: emptyStateCounts(),
    holes: [],
    holeRuns: 0,
    listing: { listed: 0, cached: 0 },
  };
}
