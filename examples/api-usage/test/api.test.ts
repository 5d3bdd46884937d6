// The programmatic API, imported from the built package by name (not from source paths), collecting from the replica.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServedReplica, serveReplica, tempDir } from "../../../apps/cli/test/replica-env.js";

const SCRIPT = join(import.meta.dirname, "..", "collect.mjs");

describe("programmatic API", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    const built = join(import.meta.dirname, "..", "..", "..", "packages", "runtime", "dist", "index.js");
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`pnpm build\` first`);
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1d"],
      start: "2023-07-01",
      end: "2023-07-31",
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("collect() returns status, counts, bytes and the run id; a second call resumes", () => {
    const out = tempDir("lh-api-");
    // A plain node process: the package resolves through its `default` export (dist), as for any user.
    const run = () =>
      JSON.parse(
        execFileSync(process.execPath, [SCRIPT, replica.endpoint, out], {
          encoding: "utf8",
          env: { ...process.env, NODE_OPTIONS: "" },
        }),
      );
    const first = run();
    const expected = replica.manifest.files.filter(
      (f) => f.partition === "monthly" && f.interval === "1d" && f.symbol === "BTCUSDT",
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(first).toMatchObject({
      ok: true,
      status: "completed",
      counts: { downloaded: expected.length, failed: 0 },
    });
    expect(first.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(first.bytes).toBe(expected.reduce((n, f) => n + f.size, 0));
    expect(first.progressCalls).toBe(expected.length);
    expect(existsSync(join(out, "_meta", "runs", `${first.runId}.json`))).toBe(true);
    const second = run();
    expect(second.counts).toMatchObject({ downloaded: 0, skipped: expected.length });
  });
});
