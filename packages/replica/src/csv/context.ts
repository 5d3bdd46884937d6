// What a CSV generator knows about the file it writes: period, time unit, row cap, quirks and its own PRNG.
import type { MarketId, Partition } from "@crypto-lakehouse/core";
import type { Rng } from "../prng.js";
import type { Flavor, SymbolProfile } from "../profile.js";

export interface CsvContext {
  market: MarketId;
  flavor: Flavor;
  dataType: string;
  symbol: string;
  interval?: string;
  partition: Partition;
  period: string;
  /** Period start (inclusive) and end (exclusive), ms UTC. */
  start: number;
  end: number;
  /** Unit of epoch time cells in this file. */
  unit: "ms" | "us";
  /** Row cap (data rows before any duplication). */
  rowsPerFile: number;
  /** Rows / events written twice (metrics in 2020-09 … 2021-05, liquidationSnapshot always), when quirks are on. */
  duplicate: boolean;
  /** Index of a flat zero-volume kline (an exchange outage), if this file carries one. */
  outageRow?: number;
  /** Leave some cells empty where the real archive does (metrics ratios), when quirks are on. */
  emptyCells: boolean;
  profile: SymbolProfile;
  rng: Rng;
}

/** Yields the CSV data rows of one file (no header, no line ends). */
export type RowGenerator = (ctx: CsvContext) => Iterable<string>;

/** An epoch time cell: ms, or µs with a sub-millisecond part. */
export function epoch(ctx: CsvContext, ms: number, subMs = 0): number {
  return ctx.unit === "us" ? ms * 1000 + subMs : ms;
}

/** Spreads `n` non-decreasing instants over [from, to): random steps that never run past the end. */
export function* spreadTimes(ctx: CsvContext, n: number, from = ctx.start, to = ctx.end): Generator<number> {
  const step = Math.max(1, Math.floor((to - from) / Math.max(1, n)));
  let t = from + ctx.rng.int(Math.min(step, 1000));
  for (let i = 0; i < n; i++) {
    yield Math.min(t, to - 1);
    t += 1 + ctx.rng.int(step);
  }
}
