// A collect run killed with SIGKILL mid-way, then run again: complete, verified, and only the rest downloaded.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse, startLakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

describe("resume after kill -9", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    // 400 small files, enough that a run can be killed half-way.
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["aggTrades"],
      start: "2023-07-01",
      end: "2023-07-01",
      smallFiles: { count: 400, minKb: 20, maxKb: 60 },
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("completes the collection and downloads only what the first run had not finished", async () => {
    const out = tempDir("lh-resume-");
    const bench = replica.manifest.files.filter((f) => f.bench === "small");
    const args = [
      "collect",
      "--endpoint",
      replica.endpoint,
      "--market",
      "spot",
      "--symbols",
      "SMALL*",
      "--data-types",
      "trades",
      "--start",
      "2023-07-01",
      "--end",
      "2023-07-01",
      "--output",
      out,
      "--concurrency",
      "2",
      "--json",
    ];
    const first = startLakehouse(args);
    const records = join(out, "_meta", "files");
    // Count finished records only: a `.tmp` being written beside them is not one.
    const recorded = () => walk(records).filter((p) => p.endsWith(".zip.json")).length;
    const deadline = Date.now() + 60_000;
    while (recorded() < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.kill("SIGKILL");
    await first;
    const recordedBefore = recorded();
    expect(recordedBefore).toBeGreaterThanOrEqual(60);
    expect(recordedBefore).toBeLessThan(bench.length);

    // Whatever the kill interrupted, no final name holds a partial or unverified zip.
    const bySha = new Map(bench.map((f) => [f.key.split("/").pop()!, f.sha256]));
    for (const p of walk(join(out, "bronze")).filter((x) => x.endsWith(".zip"))) {
      expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(bySha.get(p.split("/").pop()!));
    }

    const second = await lakehouse(args);
    expect(second.code, second.stderr).toBe(0);
    const s = JSON.parse(second.stdout);
    expect(s.planned).toBe(bench.length);
    expect(s.counts.skipped).toBe(recordedBefore);
    expect(s.counts.downloaded).toBe(bench.length - recordedBefore);
    const zips = walk(join(out, "bronze")).filter((x) => x.endsWith(".zip"));
    expect(zips).toHaveLength(bench.length);
    for (const p of zips)
      expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(bySha.get(p.split("/").pop()!));
  }, 180_000);
});
