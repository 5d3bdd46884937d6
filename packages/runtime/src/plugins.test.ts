// Plugins from config: bad modules give a clear error naming the module and what was expected.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlugins } from "./plugins.js";
import { builtinRegistry } from "./registry.js";
import { resolveRun } from "./resolve.js";

const fixtures = join(import.meta.dirname, "fixtures", "plugins");

async function messageOf(spec: string): Promise<string> {
  try {
    await loadPlugins(builtinRegistry(), [spec], fixtures);
  } catch (e) {
    const err = e as { code?: string; describe?: () => string };
    expect(err.code).toBe("PLUGIN_INVALID");
    return err.describe!();
  }
  throw new Error(`expected ${spec} to be rejected`);
}

describe("loading plugins from config", () => {
  it("a missing module", async () => {
    expect(await messageOf("./no-such-plugin.mjs")).toMatch(
      /^Plugin module '\.\/no-such-plugin\.mjs' not found \(looked from .*fixtures\/plugins\); install it or fix the path/,
    );
    expect(await messageOf("@acme/not-installed")).toMatch(/^Plugin module '@acme\/not-installed' not found/);
  });

  it("a module that throws on import", async () => {
    expect(await messageOf("./throws.mjs")).toBe(
      "Plugin module './throws.mjs' failed to load: boom: missing API key for acme",
    );
  });

  it("a module exporting the wrong shape", async () => {
    const msg = await messageOf("./wrong-shape.mjs");
    expect(msg).toContain("Plugin module './wrong-shape.mjs' exports an invalid plugin definition");
    expect(msg).toContain(`brokenStorage.id is "Broken Store"; expected a lower-case id like 'my-store'`);
    expect(msg).toContain("brokenStorage.create is not a function");
    expect(msg).toContain("expected a module exporting a plugin definition");
    const market = await messageOf("./bad-market.mjs");
    expect(market).toContain("market.matrix.archivePath: lower-case path segments");
    expect(market).toContain("market.fileKey is missing; build market plugins with defineMarket()");
  });

  it("a module exporting no plugin", async () => {
    const msg = await messageOf("./nothing.mjs");
    expect(msg).toContain("Plugin module './nothing.mjs' exports no plugin definition");
    expect(msg).toContain("it exports: answer");
  });

  it("an id already taken by a built-in", async () => {
    await expect(
      resolveRun(
        {
          plugins: ["../../../../downloader-http/dist/index.js"],
          data_types: ["klines"],
          symbols: ["BTCUSDT"],
        },
        { baseDir: fixtures },
      ),
    ).rejects.toThrow(/a downloader with id 'http' is already registered/);
  });

  it("plugins in a config file resolve relative to the file", async () => {
    const run = await resolveRun(
      {
        plugins: ["../../../../../examples/plugin-example/dist/index.js"],
        markets: ["um_funding"],
        symbols: ["BTCUSDT"],
        data_types: ["fundingRate"],
        date_range: { start: "2024-01-01", end: "2024-01-31" },
      },
      { baseDir: fixtures },
    );
    expect(run.catalog.markets.has("um_funding")).toBe(true);
    expect(run.registry.storages.has("example-dir")).toBe(true);
    // Queued jobs carry the plugin list to workers with another cwd: relative paths travel as absolute ones.
    expect(run.settings.plugins).toEqual([
      join(fixtures, "../../../../../examples/plugin-example/dist/index.js"),
    ]);
  });
});
