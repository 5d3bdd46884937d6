// A collect run killed with SIGKILL mid-way, then run again: complete, verified, only the rest downloaded, and the
// killed run's staging folder (its partial downloads) cleared by the second run.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseStagingName, STAGING, stagingHost } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse, startLakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

describe("resume after kill -9", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    // 400 small files, enough that a run can be killed half-way.
    replica = await serveSmallFiles(400, 20, 60);
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

    // The kill left the run's staging folder behind, named after this host and the killed process.
    const staging = join(out, STAGING);
    const killedStaging = readdirSync(staging).filter((n) => {
      const owner = parseStagingName(n);
      return owner?.host === stagingHost() && owner.pid === first.pid;
    });
    expect(killedStaging).toHaveLength(1);

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
    // The second run removed the killed run's staging folder (its pid is dead) and its own when it finished.
    expect(existsSync(join(staging, killedStaging[0]!))).toBe(false);
    expect(readdirSync(staging)).toEqual([]);
    const zips = walk(join(out, "bronze")).filter((x) => x.endsWith(".zip"));
    expect(zips).toHaveLength(bench.length);
    for (const p of zips)
      expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(bySha.get(p.split("/").pop()!));
  }, 180_000);
});
