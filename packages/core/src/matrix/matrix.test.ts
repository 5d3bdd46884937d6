// The checked-in matrix/archive-matrix.json is exactly what the four market plugins compose to, it is valid, and
// it states docs/archive.md's cross-market facts.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// Relative imports, not package names: the market packages depend on core, and turbo rejects the cycle a
// devDependency back on them would create.
import { futuresCmMarket } from "../../../market-futures-cm/src/index.js";
import { futuresUmMarket } from "../../../market-futures-um/src/index.js";
import { optionsMarket } from "../../../market-options/src/index.js";
import { spotMarket } from "../../../market-spot/src/index.js";
import { composeMatrix } from "./compose.js";
import { ArchiveMatrixSchema, matrixJsonSchema } from "./schema.js";

const plugins = [spotMarket, futuresUmMarket, futuresCmMarket, optionsMarket];
const composed = composeMatrix(plugins);
const REBUILD = "run `pnpm matrix:build` (from the repository root) and commit matrix/";

function readMatrixFile(name: string): unknown {
  const path = fileURLToPath(new URL(`../../../../matrix/${name}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: ${REBUILD}`);
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("matrix/archive-matrix.json", () => {
  const checkedIn = readMatrixFile("archive-matrix.json");

  it("equals the composition of the four market plugins", () => {
    expect(checkedIn, `matrix/archive-matrix.json is stale: ${REBUILD}`).toEqual({
      $schema: "./archive-matrix.schema.json",
      ...composed,
    });
  });

  it("lists the markets in the order spot, futures_um, futures_cm, options", () => {
    expect(Object.keys((checkedIn as { markets: object }).markets), REBUILD).toEqual([
      "spot",
      "futures_um",
      "futures_cm",
      "options",
    ]);
  });

  it("validates against ArchiveMatrixSchema (the JSON Schema's source)", () => {
    const result = ArchiveMatrixSchema.safeParse(checkedIn);
    expect(result.error?.issues ?? [], `matrix/archive-matrix.json is invalid: ${REBUILD}`).toEqual([]);
  });

  it("ships the JSON Schema matrixJsonSchema() produces", () => {
    expect(
      readMatrixFile("archive-matrix.schema.json"),
      `matrix/archive-matrix.schema.json is stale: ${REBUILD}`,
    ).toEqual(matrixJsonSchema());
  });
});

describe("archive matrix facts across markets (docs/archive.md §3)", () => {
  const all = Object.entries(composed.markets).flatMap(([market, m]) =>
    Object.entries(m.dataTypes).map(([dataType, spec]) => ({ market, dataType, spec })),
  );
  const KLINE_CLASS = new Set(["klines", "indexPriceKlines", "markPriceKlines", "premiumIndexKlines"]);

  it("uses interval folders for exactly the four kline-class types", () => {
    for (const { market, dataType, spec } of all) {
      expect(spec.keyShape, `${market}/${dataType}`).toBe(KLINE_CLASS.has(dataType) ? "interval" : "plain");
      if (spec.keyShape === "plain") expect(spec.intervals, `${market}/${dataType}`).toBeUndefined();
    }
  });

  it("offers 1s on spot only, 3d/1w/1mo in monthly files only, and never 1M", () => {
    for (const { market, dataType, spec } of all) {
      const daily = spec.intervals?.daily ?? [];
      const monthly = spec.intervals?.monthly ?? [];
      const where = `${market}/${dataType}`;
      expect(daily.includes("1s") || monthly.includes("1s"), where).toBe(
        market === "spot" && dataType === "klines",
      );
      for (const i of ["3d", "1w", "1mo"]) {
        expect(daily, where).not.toContain(i);
        if (spec.keyShape === "interval") expect(monthly, where).toContain(i);
      }
      expect([...daily, ...monthly], where).not.toContain("1M");
    }
  });

  it("has fundingRate monthly only (futures), bookDepth/metrics/liquidationSnapshot daily only, options daily only", () => {
    for (const { market, dataType, spec } of all) {
      const where = `${market}/${dataType}`;
      if (dataType === "fundingRate") expect(spec.partitions, where).toEqual(["monthly"]);
      if (["bookDepth", "metrics", "liquidationSnapshot"].includes(dataType))
        expect(spec.partitions, where).toEqual(["daily"]);
      if (market === "options") expect(spec.partitions, where).toEqual(["daily"]);
    }
    expect(all.filter((t) => t.dataType === "fundingRate").map((t) => t.market)).toEqual([
      "futures_um",
      "futures_cm",
    ]);
  });

  it("has none of the specification's invented types", () => {
    expect(composed.markets.spot!.dataTypes.bookDepth).toBeUndefined();
    expect(composed.markets.spot!.dataTypes.bookTicker).toBeUndefined();
    for (const { dataType } of all) expect(dataType).not.toBe("premiumIndex");
  });

  it("describes every data type, gives it a CSV schema, and keeps windows ordered", () => {
    for (const { market, dataType, spec } of all) {
      const where = `${market}/${dataType}`;
      expect(spec.description, where).toBeTruthy();
      expect(spec.csv?.columns.length, where).toBeGreaterThan(0);
      for (const w of Object.values(spec.windows ?? {})) {
        if (w?.from && w.to) expect(w.from <= w.to, where).toBe(true);
      }
    }
  });

  it("rejects path tricks, lower case and separators in symbols for every market and data type", () => {
    for (const p of plugins) {
      for (const dataType of Object.keys(p.matrix.dataTypes)) {
        for (const bad of ["../x", "a/b", "btcusdt", "BTC.USDT", "BTC/USDT", "..", ""]) {
          expect(
            p.resolveSymbol(dataType, bad),
            `${p.id}/${dataType} accepted ${JSON.stringify(bad)}`,
          ).toBeUndefined();
        }
      }
    }
  });
});
