// Opens what `coverage` and `symbols` read: the lakehouse's store, the archive (its downloader, for listing)
// and the market catalog, through the runtime's composition root — without a collect selection to validate.
import type { CoverageSelection } from "@crypto-lakehouse/coverage";
import type { Runtime } from "@crypto-lakehouse/runtime";
import { type MergedConfig, mergeFlags, type RunFlags } from "../flags.js";
import { selectionOf } from "./silver.js";

export interface ArchiveLake {
  runtime: Runtime;
  /** Endpoint + bucket of the archive: the listing cache is kept per archive. */
  source: string;
  merged: MergedConfig;
}

/** A placeholder collect selection: the runtime needs one, these commands take theirs from the flags. */
const PLACEHOLDER = {
  markets: ["spot"],
  symbols: ["BTCUSDT"],
  data_types: ["klines"],
  intervals: ["1d"],
  date_range: { start: "2020-01-01", end: "2020-01-01" },
  partitions: "daily",
};

export async function openArchiveLake(f: RunFlags): Promise<ArchiveLake> {
  const { createRuntime, resolveRun } = await import("@crypto-lakehouse/runtime");
  const merged = mergeFlags(f);
  // Read-only commands run nothing: no queue or executor plugin is connected.
  const { queue: _q, executor: _e, ...config } = merged.config;
  const run = await resolveRun(
    { ...config, ...PLACEHOLDER },
    { sources: merged.sources, baseDir: merged.baseDir },
  );
  const runtime = await createRuntime(run);
  const { archiveSource } = await import("@crypto-lakehouse/coverage");
  return { runtime, source: archiveSource(run.settings), merged };
}

/** The selection flags / config keys as a coverage selection (each narrows; none = all bronze holds). */
export function coverageSelectionOf(config: Record<string, unknown>): CoverageSelection {
  const sel: CoverageSelection = selectionOf(config);
  if (sel.intervals) sel.intervals = sel.intervals.map((i) => (i === "1M" ? "1mo" : i));
  return sel;
}
