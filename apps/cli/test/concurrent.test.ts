// Two collect runs into the same lakehouse at the same time (against the replica on versitygw): both finish,
// bronze holds every file once, byte-equal to the replica, each with its .CHECKSUM and record; verify is clean.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse, startLakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const DAY = "2023-07-01";

describe("concurrent runs into one lakehouse", () => {
  let replica: ServedReplica;
  let files: { key: string; symbol: string; sha256: string }[];
  beforeAll(async () => {
    replica = await serveSmallFiles(60, 4, 12);
    files = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("two collects at once both finish, and every file is stored once, complete and recorded", async () => {
    const out = tempDir("lh-concurrent-");
    const args = [
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ market: "spot", symbols: "SMALL*", dataTypes: "trades", start: DAY, end: DAY }),
      "--output",
      out,
      "--concurrency",
      "4",
      "--json",
    ];
    const [a, b] = await Promise.all([startLakehouse(args), startLakehouse(args)]);
    for (const r of [a, b]) expect(r.exitCode, String(r.stderr)).toBe(0);
    const counts = [a, b].map((r) => JSON.parse(String(r.stdout)).counts);
    // Every file was stored by at least one of them, and each run accounts for every file.
    for (const c of counts) expect(c.downloaded + c.skipped).toBe(files.length);
    const zips = walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"));
    expect(zips).toHaveLength(files.length);
    const bySha = new Map(files.map((f) => [f.key.split("/").pop()!, f.sha256]));
    for (const z of zips) {
      expect(sha256(z)).toBe(bySha.get(z.split("/").pop()!));
      expect(readFileSync(`${z}.CHECKSUM`, "utf8")).toContain(bySha.get(z.split("/").pop()!));
    }
    expect(walk(out).filter((p) => p.endsWith(".tmp") || p.endsWith(".part"))).toEqual([]);
    const v = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).counts.ok).toBe(files.length);
  }, 180_000);
});
