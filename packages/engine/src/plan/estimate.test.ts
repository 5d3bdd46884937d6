// estimatePlan with an in-memory listing (a fake lister, in addition to the CLI's space-check tests against a
// replica): sizes and counts per folder, folders listed ahead of the one being counted, listing failures.
import type { ArchiveFile, RemoteEntry } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { estimatePlan } from "./estimate.js";

const folder = (symbol: string) => `data/spot/daily/trades/${symbol}/`;
const file = (symbol: string, day: number): ArchiveFile => {
  const period = `2024-01-${String(day).padStart(2, "0")}`;
  return {
    market: "spot",
    partition: "daily",
    dataType: "trades",
    symbol,
    period,
    key: `${folder(symbol)}${symbol}-trades-${period}.zip`,
  };
};

async function* plan(files: ArchiveFile[]) {
  yield* files;
}

/** A listing of every folder that holds `files` (sizes: day × 1000), counting the listings in flight. */
function archive(files: ArchiveFile[], fail?: string) {
  const stats = { inFlight: 0, maxInFlight: 0, listed: [] as string[] };
  async function* lister(prefix: string): AsyncIterable<RemoteEntry> {
    stats.listed.push(prefix);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      // A round trip: the estimator's own work (reading the plan) all happens before it ends.
      await new Promise((r) => setImmediate(r));
      if (prefix === fail) throw new Error(`listing ${prefix} refused`);
      for (const f of files.filter((x) => x.key.startsWith(prefix)))
        yield { kind: "object", key: f.key, size: Number(f.period.slice(8)) * 1000 };
    } finally {
      stats.inFlight--;
    }
  }
  return { lister, stats };
}

const symbols = Array.from({ length: 12 }, (_, i) => `S${i}USDT`);

describe("estimatePlan", () => {
  it("sizes every file from its folder's listing, one listing per folder, several folders in flight", async () => {
    const listed = symbols.flatMap((s) => [1, 2, 3].map((d) => file(s, d)));
    const { lister, stats } = archive(listed);
    // Day 4 of every symbol is planned but not in the archive (not published yet).
    const planned = symbols.flatMap((s) => [1, 2, 3, 4].map((d) => file(s, d)));
    const e = await estimatePlan(plan(planned), { lister });
    expect(e.planned).toEqual({ files: 48, bytes: 12 * 6000 });
    expect(e.notListed).toBe(12);
    expect(e.toFetch).toEqual({ files: 36, bytes: 12 * 6000 });
    expect(stats.listed).toEqual(symbols.map(folder));
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(9);
  });

  it("a plan of one folder is listed once", async () => {
    const files = [1, 2, 3].map((d) => file("BTCUSDT", d));
    const { lister, stats } = archive(files);
    const e = await estimatePlan(plan(files), { lister });
    expect(e.toFetch).toEqual({ files: 3, bytes: 6000 });
    expect(stats.listed).toEqual([folder("BTCUSDT")]);
  });

  it("a listing that fails fails the estimate, also when it was started ahead", async () => {
    const files = symbols.map((s) => file(s, 1));
    const { lister } = archive(files, folder("S5USDT"));
    await expect(estimatePlan(plan(files), { lister })).rejects.toThrow(
      "listing data/spot/daily/trades/S5USDT/ refused",
    );
  });
});
