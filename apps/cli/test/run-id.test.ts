// A run id names files (`_meta/runs/<id>.json`) and queue jobs: one that cannot (a/b, ../..) is bad input (exit 2,
// the rule in the message) for every command that takes one, and nothing is written.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

const DAY = "2025-06-01";
const KLINES = {
  market: "spot",
  symbols: "BTCUSDT",
  dataTypes: "klines",
  intervals: "1d",
  start: DAY,
  end: DAY,
};

describe("--run-id is validated", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1d"],
      symbols: { spot: ["BTCUSDT"] },
      start: DAY,
      end: DAY,
      quirks: false,
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it.each(["a/b", "../..", "..", "x:y", "has space", ".hidden", "a".repeat(101)])(
    "collect --run-id %j exits 2 naming the rule, and writes nothing",
    async (id) => {
      const out = tempDir("lh-runid-");
      const r = await lakehouse([
        "collect",
        "--endpoint",
        replica.endpoint,
        ...selection(KLINES),
        "--output",
        out,
        "--run-id",
        id,
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--run-id: ${JSON.stringify(id)} is not a valid run id`);
      expect(r.stderr).toMatch(/letters, digits, '\.', '_' and '-'/);
      expect(r.stdout).toBe("");
      expect(existsSync(join(out, "bronze"))).toBe(false);
      expect(walk(out).filter((p) => p.endsWith(".json"))).toEqual([]);
    },
  );

  it("silver --run-id, runs show and cancel refuse such ids too; a valid id is listed by `runs`", async () => {
    const out = tempDir("lh-runid-ok-");
    const ok = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection(KLINES),
      "--output",
      out,
      "--run-id",
      "backfill_2025-06.v1",
      "--json",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(out, "_meta", "runs", "backfill_2025-06.v1.json"))).toBe(true);
    const listed = await lakehouse(["runs", "--output", out, "--json"]);
    expect(JSON.parse(listed.stdout).map((r: { runId: string }) => r.runId)).toEqual(["backfill_2025-06.v1"]);

    const silver = await lakehouse(["silver", "--output", out, "--run-id", "a/b", "--json"]);
    expect(silver.code).toBe(2);
    expect(silver.stderr).toContain(`--run-id: "a/b" is not a valid run id`);
    expect(existsSync(join(out, "silver"))).toBe(false);
    const show = await lakehouse(["runs", "show", "../runs/backfill_2025-06.v1", "--output", out]);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/runs show <id>: "\.\.\/runs\/backfill_2025-06\.v1" is not a valid run id/);
    const cancel = await lakehouse(["cancel", "a/b", "--queue", "redis://127.0.0.1:1"]);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toMatch(/cancel <run-id>: "a\/b" is not a valid run id/);
  }, 60_000);
});
