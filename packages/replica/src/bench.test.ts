// Benchmark files: real layout, requested zip sizes, valid sidecars, spot-trades content, deterministic.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spotMarket } from "@crypto-lakehouse/market-spot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateReplica, type ReplicaManifest } from "./index.js";
import { sha256Hex } from "./zip.js";
import { csvLines, readZip } from "./zip-reader.test-util.js";

let dir: string;
let m: ReplicaManifest;
const options = (outDir: string) => ({
  outDir,
  start: "2025-01-01",
  end: "2025-01-05",
  markets: ["spot"],
  dataTypes: ["trades"],
  symbols: { spot: [] },
  largeFiles: { count: 2, sizeMb: 3 },
  smallFiles: { count: 40, minKb: 2, maxKb: 40 },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replica-bench-"));
  m = await generateReplica(options(join(dir, "a")));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("benchmark files", () => {
  it("lays them out as spot daily trades of BENCH…/SMALL… symbols", () => {
    const large = m.files.filter((f) => f.bench === "large");
    const small = m.files.filter((f) => f.bench === "small");
    expect(large.map((f) => f.key)).toEqual([
      "data/spot/daily/trades/BENCH0001USDT/BENCH0001USDT-trades-2025-01-01.zip",
      "data/spot/daily/trades/BENCH0002USDT/BENCH0002USDT-trades-2025-01-01.zip",
    ]);
    expect(small).toHaveLength(40);
    for (const f of m.files) expect(spotMarket.parseKey(f.key)?.symbol, f.key).toBe(f.symbol);
    // Spread over the range's days, eight symbols of five days each.
    expect(new Set(small.map((f) => f.symbol)).size).toBe(8);
    expect(new Set(small.map((f) => f.period))).toEqual(
      new Set(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]),
    );
    expect(m.holes).toEqual([]);
    expect(m.stale).toEqual([]);
  });

  it("large zips are the requested size (±10%) and small ones fall in [minKb, maxKb] (±10%)", () => {
    for (const f of m.files.filter((x) => x.bench === "large")) {
      expect(Math.abs(f.size - 3 * 1024 * 1024) / (3 * 1024 * 1024), f.key).toBeLessThan(0.1);
    }
    for (const f of m.files.filter((x) => x.bench === "small")) {
      expect(f.size, f.key).toBeGreaterThan(2 * 1024 * 0.9);
      expect(f.size, f.key).toBeLessThan(40 * 1024 * 1.1);
    }
  });

  it("every sidecar matches its zip (spot: no trailing newline) and every zip holds plausible spot trades", async () => {
    for (const f of m.files) {
      const zip = await readFile(join(dir, "a", f.key));
      expect(sha256Hex(zip)).toBe(f.sha256);
      expect(zip.length).toBe(f.size);
      expect(await readFile(join(dir, "a", f.checksumKey), "utf8")).toBe(
        `${f.sha256}  ${f.key.split("/").pop()}`,
      );
      const z = await readZip(join(dir, "a", f.key));
      expect(z.names).toEqual([`${f.key.split("/").pop()!.slice(0, -4)}.csv`]);
      expect(z.methods).toEqual([8]);
      const rows = csvLines(z.text).map((l) => l.split(","));
      expect(rows).toHaveLength(f.rows);
      const dayStartUs = Date.parse(`${f.period}T00:00:00Z`) * 1000;
      // Plain checks collected per file: hundreds of thousands of rows are too many for one expect each.
      const bad: string[] = [];
      let prev = [0, 0];
      for (const [i, r] of rows.entries()) {
        const [id, price, qty, quote, time, maker, best] = r as [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
        ];
        const decimals = [price, qty, quote].every((d) => /^\d+\.\d{8}$/.test(d));
        // quote_qty = price × qty, truncated to 8 decimals, exactly.
        const exact =
          decimals &&
          (BigInt(price.replace(".", "")) * BigInt(qty.replace(".", ""))) / 10n ** 8n ===
            BigInt(quote.replace(".", ""));
        const t = Number(time);
        const ok =
          r.length === 7 &&
          exact &&
          Number(id) > prev[0]! &&
          t >= prev[1]! &&
          t >= dayStartUs &&
          t < dayStartUs + 86_400_000_000 &&
          (maker === "True" || maker === "False") &&
          best === "True";
        if (!ok) bad.push(`${f.key} row ${i}: ${r.join(",")}`);
        prev = [Number(id), t];
      }
      expect(bad.slice(0, 5)).toEqual([]);
    }
  });

  it("are deterministic", async () => {
    const again = await generateReplica(options(join(dir, "b")));
    expect(again.files.map((f) => [f.key, f.sha256])).toEqual(m.files.map((f) => [f.key, f.sha256]));
  });
});
