// Opens what `coverage` and `symbols` read: the lakehouse's store, the archive (its downloader, for listing)
// and the market catalog, through the runtime's composition root — without a collect selection to validate.
import type { Downloader, StorageBackend } from "@crypto-lakehouse/core";
import type { CoverageSelection } from "@crypto-lakehouse/coverage";
import type { Runtime } from "@crypto-lakehouse/runtime";
import type { MergedConfig, RunFlags } from "../flags.js";
import { lakeRuntime } from "../lake.js";
import { selectionOf } from "./silver.js";

export interface ArchiveLake {
  runtime: Runtime;
  storage: StorageBackend;
  downloader: Downloader;
  /** Endpoint + bucket of the archive: the listing cache is kept per archive. */
  source: string;
  merged: MergedConfig;
}

export async function openArchiveLake(f: RunFlags): Promise<ArchiveLake> {
  // The runtime is lazy: read-only commands create no executor, so no queue is ever connected.
  const { runtime, merged } = await lakeRuntime(f);
  try {
    const [storage, downloader] = await Promise.all([runtime.storage(), runtime.downloader()]);
    const s = runtime.settings;
    return {
      runtime,
      storage,
      downloader,
      source: (await import("@crypto-lakehouse/coverage")).archiveSource(s),
      merged,
    };
  } catch (e) {
    await runtime.dispose();
    throw e;
  }
}

/** The selection flags / config keys as a coverage selection (each narrows; none = all bronze holds). */
export function coverageSelectionOf(config: Record<string, unknown>): CoverageSelection {
  const sel: CoverageSelection = selectionOf(config);
  if (sel.intervals) sel.intervals = sel.intervals.map((i) => (i === "1M" ? "1mo" : i));
  return sel;
}
