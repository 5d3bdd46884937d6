// Planning at large N: hundreds of thousands of symbols, named or matched by a glob against a listing, each planned
// exactly once in order (planning was quadratic in the symbols; `pnpm bench plan` times it, this checks the result).
import type { ArchiveFile, RemoteEntry } from "@crypto-lakehouse/core";
import { planFiles } from "@crypto-lakehouse/engine";
import { describe, expect, it } from "vitest";
import { resolveRun } from "./resolve.js";

const DAY = "2025-06-01";
const N = 200_000;
const symbol = (i: number) => `S${String(i).padStart(7, "0")}USDT`;
const oneDay = {
  markets: ["spot"],
  data_types: ["klines"],
  intervals: ["1d"],
  partitions: "daily",
  date_range: { start: DAY, end: DAY },
};

async function symbolsOf(files: AsyncIterable<ArchiveFile>): Promise<string[]> {
  const out: string[] = [];
  for await (const f of files) {
    expect(f.key).toBe(`data/spot/daily/klines/${f.symbol}/1d/${f.symbol}-1d-${DAY}.zip`);
    out.push(f.symbol);
  }
  return out;
}

describe("planning many symbols", () => {
  it(`plans ${N.toLocaleString("en")} named symbols once each, in the order given, repeats dropped`, async () => {
    const named = Array.from({ length: N }, (_, i) => symbol(i));
    // Every tenth symbol given twice, the repeat later in the list.
    const given = [...named, ...named.filter((_, i) => i % 10 === 0)];
    const run = await resolveRun({ ...oneDay, symbols: given });
    expect(run.request.markets[0]!.symbols).toEqual(named);
    const planned = await symbolsOf(planFiles(run.request, { catalog: run.catalog }).files);
    expect(planned).toEqual(named);
  }, 120_000);

  it(`plans a glob against a listing of ${N.toLocaleString("en")} symbol folders (daily and monthly) once each, sorted`, async () => {
    const listed = Array.from({ length: N }, (_, i) => symbol(N - 1 - i));
    const prefixes: string[] = [];
    const lister = async function* (prefix: string): AsyncIterable<RemoteEntry> {
      prefixes.push(prefix);
      for (const s of listed) yield { kind: "prefix", prefix: `${prefix}${s}/` };
      // A symbol the glob does not match.
      yield { kind: "prefix", prefix: `${prefix}BTCUSDT/` };
    };
    const run = await resolveRun({ ...oneDay, symbols: ["S*USDT", "S0000001USDT"] });
    const planned = await symbolsOf(planFiles(run.request, { catalog: run.catalog, lister }).files);
    expect(prefixes).toEqual(["data/spot/daily/klines/", "data/spot/monthly/klines/"]);
    // The named symbol first, then the glob's matches in sorted order without it again.
    expect(planned).toEqual([
      symbol(1),
      ...Array.from({ length: N }, (_, i) => symbol(i)).filter((s) => s !== symbol(1)),
    ]);
  }, 120_000);
});
