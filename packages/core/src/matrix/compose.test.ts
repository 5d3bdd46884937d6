// Composition and users' matrix files: adding a data type, overriding a window, and the errors a bad file gets.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// Relative imports, not package names: the market packages depend on core (see matrix.test.ts).
import { futuresCmMarket } from "../../../market-futures-cm/src/index.js";
import { futuresUmMarket } from "../../../market-futures-um/src/index.js";
import { optionsMarket } from "../../../market-options/src/index.js";
import { spotMarket } from "../../../market-spot/src/index.js";
import { LakehouseError } from "../errors.js";
import { applyOverlay, composeMatrix, createCatalog, loadMatrixOverlay } from "./compose.js";
import type { MatrixOverlay } from "./schema.js";

const plugins = [spotMarket, futuresUmMarket, futuresCmMarket, optionsMarket];
const dir = mkdtempSync(join(tmpdir(), "matrix-overlay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): LakehouseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LakehouseError);
    return e as LakehouseError;
  }
  throw new Error("expected a LakehouseError, nothing was thrown");
}

const fooBar: MatrixOverlay = {
  version: 1,
  markets: {
    futures_um: { dataTypes: { fooBar: { partitions: ["daily"], keyShape: "plain", description: "test" } } },
  },
};

describe("composeMatrix", () => {
  it("keeps plugin order and refuses a market registered twice", () => {
    expect(Object.keys(composeMatrix(plugins).markets)).toEqual([
      "spot",
      "futures_um",
      "futures_cm",
      "options",
    ]);
    const e = thrown(() => composeMatrix([spotMarket, spotMarket]));
    expect(e.code).toBe("PLUGIN_INVALID");
    expect(e.message).toContain("'spot'");
  });
});

describe("createCatalog with an overlay", () => {
  it("adds a new plain daily data type to futures_um that gets real keys", () => {
    const catalog = createCatalog(plugins, fooBar);
    const um = catalog.market("futures_um");
    const f = {
      market: "futures_um",
      partition: "daily",
      dataType: "fooBar",
      symbol: "BTCUSDT",
      period: "2025-07-15",
    } as const;
    const key = um.fileKey(f);
    expect(key).toBe("data/futures/um/daily/fooBar/BTCUSDT/BTCUSDT-fooBar-2025-07-15.zip");
    expect(um.parseKey(key)).toEqual({ ...f, key });
    expect(um.resolveSymbol("fooBar", "BTCUSDT")).toEqual({ symbol: "BTCUSDT" });
    // The built-in types and other markets stay as they were.
    expect(catalog.matrix.markets.futures_um!.dataTypes.klines).toEqual(
      futuresUmMarket.matrix.dataTypes.klines,
    );
    expect(catalog.matrix.markets.futures_cm!.dataTypes.fooBar).toBeUndefined();
    expect(futuresUmMarket.parseKey(key)).toBeUndefined();
  });

  it("adds a new interval type with its folders", () => {
    const catalog = createCatalog(plugins, {
      version: 1,
      markets: {
        spot: {
          dataTypes: {
            fooKlines: { partitions: ["monthly"], keyShape: "interval", intervals: { monthly: ["1h"] } },
          },
        },
      },
    });
    const f = {
      market: "spot",
      partition: "monthly",
      dataType: "fooKlines",
      symbol: "BTCUSDT",
      interval: "1h",
      period: "2025-06",
    } as const;
    expect(catalog.market("spot").fileKey(f)).toBe(
      "data/spot/monthly/fooKlines/BTCUSDT/1h/BTCUSDT-1h-2025-06.zip",
    );
  });

  it("overrides a window without restating the rest of the data type", () => {
    const catalog = createCatalog(plugins, {
      version: 1,
      markets: { futures_cm: { dataTypes: { bookTicker: { windows: { daily: { to: "2024-06-30" } } } } } },
    });
    const bookTicker = catalog.matrix.markets.futures_cm!.dataTypes.bookTicker!;
    expect(bookTicker.windows).toEqual({ daily: { to: "2024-06-30" } });
    expect(bookTicker.partitions).toEqual(["daily", "monthly"]);
    expect(bookTicker.csv).toEqual(futuresCmMarket.matrix.dataTypes.bookTicker!.csv);
    expect(catalog.market("futures_cm").matrix.dataTypes.bookTicker!.windows?.daily?.to).toBe("2024-06-30");
  });

  it("adds a whole market known only from the file", () => {
    const catalog = createCatalog(plugins, {
      version: 1,
      markets: {
        futures_xm: {
          archivePath: "futures/xm",
          symbolPattern: "^[A-Z]{2,10}$",
          dataTypes: { trades: { partitions: ["daily"], keyShape: "plain" } },
        },
      },
    });
    const f = {
      market: "futures_xm",
      partition: "daily",
      dataType: "trades",
      symbol: "ABC",
      period: "2025-01-02",
    } as const;
    expect(catalog.market("futures_xm").fileKey(f)).toBe(
      "data/futures/xm/daily/trades/ABC/ABC-trades-2025-01-02.zip",
    );
    expect(catalog.market("futures_xm").resolveSymbol("trades", "abc")).toBeUndefined();
  });

  it("names the known markets for an unknown one", () => {
    const e = thrown(() => createCatalog(plugins).market("margin"));
    expect(e.code).toBe("UNSUPPORTED");
    expect(e.message).toBe("Unknown market 'margin' (known: spot, futures_um, futures_cm, options)");
  });

  it("rejects a new data type missing its key shape, naming the field", () => {
    const e = thrown(() =>
      applyOverlay(composeMatrix(plugins), {
        version: 1,
        markets: { futures_um: { dataTypes: { fooBar: { partitions: ["daily"] } } } },
      }),
    );
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.details.join("\n")).toContain("matrix.markets.futures_um.dataTypes.fooBar.keyShape");
  });

  it("rejects an interval type without intervals for one of its partitions", () => {
    const e = thrown(() =>
      applyOverlay(composeMatrix(plugins), {
        version: 1,
        markets: {
          spot: { dataTypes: { klines: { partitions: ["daily", "monthly"], intervals: { daily: ["1m"] } } } },
        },
      }),
    );
    expect(e.message).toBe(
      "The matrix file gives spot/klines an interval folder but no intervals for monthly",
    );
  });
});

describe("loadMatrixOverlay", () => {
  it("reports a missing file with exactly the specification's message", () => {
    const path = join(dir, "nope.json");
    const e = thrown(() => loadMatrixOverlay(path));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toBe(`Archive matrix file not found: ${path}`);
  });

  it("reports a file that is not JSON", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{ version: 1,");
    const e = thrown(() => loadMatrixOverlay(path));
    expect(e.message).toContain(`Archive matrix file ${path} is not valid JSON`);
  });

  it("lists every bad field of an invalid file", () => {
    const path = join(dir, "invalid.json");
    writeFileSync(
      path,
      JSON.stringify({
        version: 2,
        markets: { futures_um: { dataTypes: { fooBar: { partitions: ["weekly"], keyShape: "nested" } } } },
      }),
    );
    const e = thrown(() => loadMatrixOverlay(path));
    expect(e.message).toBe(`Archive matrix file ${path} does not match the matrix schema`);
    const fields = e.details.map((d) => d.split(":")[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        "version",
        "markets.futures_um.dataTypes.fooBar.partitions[0]",
        "markets.futures_um.dataTypes.fooBar.keyShape",
      ]),
    );
    expect(fields).toHaveLength(3);
  });

  it("loads a valid file that a catalog then uses", () => {
    const path = join(dir, "foo-bar.json");
    writeFileSync(path, JSON.stringify({ $schema: "./archive-matrix.schema.json", ...fooBar }));
    const catalog = createCatalog(plugins, loadMatrixOverlay(path));
    expect(catalog.market("futures_um").dataTypePrefix("daily", "fooBar")).toBe(
      "data/futures/um/daily/fooBar/",
    );
  });

  it("accepts the checked-in matrix itself as a file, changing nothing", () => {
    const path = new URL("../../../../matrix/archive-matrix.json", import.meta.url);
    const overlay = loadMatrixOverlay(path.pathname);
    expect(createCatalog(plugins, overlay).matrix).toEqual(composeMatrix(plugins));
  });
});
