// The pre-run estimate lists each archive folder once, many folders at a time (far from the archive, one listing
// after another cost a round trip per folder before any download), and still sizes every file exactly.
import type { ArchiveFile, RemoteEntry } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { estimatePlan } from "./estimate.js";
import type { Lister } from "./planner.js";

const SYMBOLS = Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(3, "0")}USDT`);
const DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"];
const keyOf = (symbol: string, day: string) => `data/spot/daily/trades/${symbol}/${symbol}-trades-${day}.zip`;
const sizeOf = (symbol: string, day: string) => 1000 * (SYMBOLS.indexOf(symbol) + 1) + Number(day.slice(-1));

async function* planned(): AsyncGenerator<ArchiveFile> {
  for (const symbol of SYMBOLS)
    for (const day of DAYS)
      yield {
        market: "spot",
        partition: "daily",
        dataType: "trades",
        symbol,
        period: day,
        key: keyOf(symbol, day),
      };
}

/** A listing that answers after a delay; the last day is missing from every folder (a hole). */
function slowLister(stats: { calls: string[]; inFlight: number; peak: number }): Lister {
  return async function* (prefix) {
    stats.calls.push(prefix);
    stats.inFlight++;
    stats.peak = Math.max(stats.peak, stats.inFlight);
    await new Promise((r) => setTimeout(r, 20));
    stats.inFlight--;
    const symbol = prefix.split("/")[4]!;
    for (const day of DAYS.slice(0, -1)) {
      const entry: RemoteEntry = { kind: "object", key: keyOf(symbol, day), size: sizeOf(symbol, day) };
      yield entry;
    }
  };
}

describe("estimatePlan", () => {
  it("lists each folder once, many at a time, and sizes every file", async () => {
    const stats = { calls: [] as string[], inFlight: 0, peak: 0 };
    const e = await estimatePlan(planned(), { lister: slowLister(stats) });

    expect(stats.calls.length).toBe(SYMBOLS.length);
    expect(new Set(stats.calls).size).toBe(SYMBOLS.length);
    expect(stats.peak).toBeGreaterThan(8);
    const listed = SYMBOLS.flatMap((s) => DAYS.slice(0, -1).map((d) => sizeOf(s, d)));
    expect(e.planned).toEqual({
      files: SYMBOLS.length * DAYS.length,
      bytes: listed.reduce((a, b) => a + b, 0),
    });
    expect(e.notListed).toBe(SYMBOLS.length);
    expect(e.toFetch).toEqual({ files: listed.length, bytes: e.planned.bytes });
  });

  it("a listing that fails is the estimate's error, not an unhandled rejection", async () => {
    const failing: Lister = async function* (prefix) {
      await new Promise((r) => setTimeout(r, 5));
      if (prefix.includes("S010USDT")) throw new Error("listing refused");
      yield* [];
    };
    await expect(estimatePlan(planned(), { lister: failing })).rejects.toThrow("listing refused");
  });
});
