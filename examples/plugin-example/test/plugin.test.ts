// The example plugin module, loaded from a config file, used end to end by the `lakehouse` CLI: its market,
// its storage and its executor, each chosen by id.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "../../../apps/cli/test/cli.js";
import { type ServedReplica, serveReplica, tempDir } from "../../../apps/cli/test/replica-env.js";

const MODULE = resolve(import.meta.dirname, "..", "dist", "index.js");

describe("a third-party plugin module loaded from config", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    if (!existsSync(MODULE)) throw new Error(`${MODULE} is missing: run \`pnpm build\` first`);
    replica = await serveReplica({
      markets: ["futures_um"],
      dataTypes: ["fundingRate", "markPriceKlines"],
      intervals: ["1d"],
      start: "2023-05-01",
      end: "2023-07-31",
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  function writeConfig(extra: Record<string, unknown>): string {
    const dir = tempDir("lh-plugin-cfg-");
    const cfg = join(dir, "lakehouse.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        plugins: [MODULE],
        markets: ["um_funding"],
        symbols: ["BTCUSDT"],
        data_types: ["fundingRate", "markPriceKlines"],
        intervals: { markPriceKlines: ["1d"] },
        date_range: { start: "2023-05-01", end: "2023-07-31" },
        ...extra,
      }),
    );
    return cfg;
  }

  it("its market shows in `lakehouse matrix` and `plan`", async () => {
    const m = await lakehouse(["matrix", "--plugin", MODULE, "--market", "um_funding"]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/USD-M funding view — market 'um_funding', archive path data\/futures\/um\//);
    const p = await lakehouse(["plan", "--config", writeConfig({}), "--keys"]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split("\n")).toEqual([
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2023-05.zip",
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2023-06.zip",
      "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2023-07.zip",
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1d/BTCUSDT-1d-2023-05.zip",
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1d/BTCUSDT-1d-2023-06.zip",
      "data/futures/um/monthly/markPriceKlines/BTCUSDT/1d/BTCUSDT-1d-2023-07.zip",
    ]);
  });

  it("collects through its market into its storage, chosen by id", async () => {
    const root = tempDir("lh-plugin-lake-");
    const r = await lakehouse([
      "collect",
      "--config",
      writeConfig({ storage: { kind: "example-dir", root } }),
      "--endpoint",
      replica.endpoint,
      "--json",
    ]);
    const holes = new Set(replica.manifest.holes);
    expect([0, 1]).toContain(r.code);
    const s = JSON.parse(r.stdout);
    expect(s.output).toBe(root);
    const expected = replica.manifest.files.filter(
      (f) =>
        f.symbol === "BTCUSDT" &&
        f.partition === "monthly" &&
        (f.dataType === "fundingRate" || f.interval === "1d"),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(s.counts.downloaded).toBe(expected.length);
    for (const f of expected) {
      const p = join(
        root,
        "bronze",
        "um_funding",
        f.dataType,
        "monthly",
        "BTCUSDT",
        ...(f.interval ? [f.interval] : []),
        f.key.split("/").pop()!,
      );
      expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(f.sha256);
    }
    expect(s.counts.missing).toBe(
      [...holes].filter((k) => k.includes("/BTCUSDT/") && k.includes("/monthly/")).length,
    );
  });

  /** What the journal executor wrote: one line per batch it ran. */
  function journalOf(path: string): { executor: string; runId: string; files: { key: string }[] }[] {
    expect(existsSync(path), `${path}: the journal executor never ran`).toBe(true);
    return readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  }

  it("collects through its executor, chosen by id in config (`executor: { kind, …options }`)", async () => {
    const root = tempDir("lh-plugin-lake-");
    const journal = join(tempDir("lh-plugin-journal-"), "batches.jsonl");
    const planned = await lakehouse(["plan", "--config", writeConfig({}), "--keys"]);
    expect(planned.code, planned.stderr).toBe(0);
    const r = await lakehouse([
      "collect",
      "--config",
      writeConfig({ executor: { kind: "journal", journal } }),
      "--output",
      root,
      "--endpoint",
      replica.endpoint,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe("completed");
    expect(s.executor).toBe("journal");
    expect(s.counts.downloaded).toBeGreaterThan(0);
    // Every planned file went through the plugin's executor, in this run.
    const lines = journalOf(journal);
    expect(lines.every((l) => l.executor === "journal" && l.runId === s.runId)).toBe(true);
    const keys = lines.flatMap((l) => l.files.map((f) => f.key)).sort();
    expect(keys).toEqual(planned.stdout.trim().split("\n").sort());
    expect(keys.length).toBe(s.planned);
    // The run record keeps the executor's id only: its options may hold credentials.
    const record = JSON.parse(readFileSync(join(root, "_meta", "runs", `${s.runId}.json`), "utf8"));
    expect(record.executor).toBe("journal");
    expect(record.settings.executor).toEqual({ kind: "journal" });
  });

  it("collects through its executor chosen with --executor, over the config's", async () => {
    const root = tempDir("lh-plugin-lake-");
    const r = await lakehouse([
      "--verbose",
      "collect",
      "--config",
      writeConfig({ executor: "in-process" }),
      "--executor",
      "journal",
      "--output",
      root,
      "--endpoint",
      replica.endpoint,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe("completed");
    expect(s.executor).toBe("journal");
    expect(s.counts.downloaded).toBeGreaterThan(0);
    // The executor's own log line, with what it ran.
    const done = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "journal executor: run done");
    expect(done, r.stderr).toBeDefined();
    expect(done.runId).toBe(s.runId);
    expect(done.files).toBe(s.planned);
  });

  it("rejects bad executor options and unknown executor ids, naming what is known", async () => {
    const bad = await lakehouse([
      "collect",
      "--config",
      writeConfig({ executor: { kind: "journal", journal: 5 } }),
      "--output",
      tempDir("lh-plugin-lake-"),
    ]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/Invalid options for executor journal/);
    expect(bad.stderr).toMatch(
      /executor journal.journal: 5 is a number, not a string \(allowed: a non-empty string\)/,
    );
    const unknown = await lakehouse([
      "collect",
      "--config",
      writeConfig({}),
      "--executor",
      "jurnal",
      "--output",
      tempDir("lh-plugin-lake-"),
    ]);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain(
      "executor: 'jurnal' is not a known executor (known: in-process, bullmq, journal)",
    );
  });

  // The CLI is one bundle with its own copy of core; the plugin imports the installed core. The plugin's
  // LakehouseError must still read as one: its code (PERMISSION_DENIED: bad input) gives exit 2 and its message.
  it("an error its storage throws comes out with its own code and message (exit 2, not an internal failure)", async () => {
    const file = join(tempDir("lh-plugin-lake-"), "a-file");
    writeFileSync(file, "not a folder");
    const root = join(file, "lake");
    const r = await lakehouse([
      "collect",
      "--config",
      writeConfig({ storage: { kind: "example-dir", root } }),
      "--endpoint",
      replica.endpoint,
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Error: Permission denied writing to output directory: ${root}`);
    expect(existsSync(root)).toBe(false);
  });

  it("`lakehouse replica generate --plugin` replicates its market too (markets come from the runtime)", async () => {
    const dir = tempDir("lh-plugin-replica-");
    const r = await lakehouse([
      "replica",
      "generate",
      "--out",
      dir,
      "--plugin",
      MODULE,
      "--market",
      "um_funding",
      "--start",
      "2023-05-01",
      "--end",
      "2023-06-30",
      "--rows",
      "5",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const month = join(dir, "data.binance.vision", "data", "futures", "um", "monthly");
    expect(existsSync(join(month, "fundingRate", "BTCUSDT", "BTCUSDT-fundingRate-2023-05.zip"))).toBe(true);
    const without = await lakehouse([
      "replica",
      "generate",
      "--out",
      tempDir("lh-plugin-replica-"),
      "--market",
      "um_funding",
    ]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain(
      "unknown market 'um_funding' (known: spot, futures_um, futures_cm, options)",
    );
  });
});
