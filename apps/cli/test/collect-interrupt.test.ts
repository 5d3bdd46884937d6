// Ctrl-C (SIGINT) during a collect run stops it cleanly: the run is recorded as cancelled with what it stored (exit
// 1, its summary on stdout), everything stored verifies, and the same command run again finishes the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse, startLakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

describe("collect interrupted with Ctrl-C", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    // 400 small files, enough that a run can be interrupted half-way.
    replica = await serveSmallFiles(400, 20, 60);
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("records a cancelled run, leaves only verified files, and the next run finishes", async () => {
    const out = tempDir("lh-sigint-");
    const total = replica.manifest.files.filter((f) => f.bench === "small").length;
    const args = [
      "collect",
      "--endpoint",
      replica.endpoint,
      ...["--market", "spot", "--symbols", "SMALL*", "--data-types", "trades"],
      ...["--start", "2023-07-01", "--end", "2023-07-01", "--output", out, "--concurrency", "2", "--json"],
    ];
    const first = startLakehouse(args);
    const recorded = () => walk(`${out}/_meta/files`).filter((p) => p.endsWith(".zip.json")).length;
    const deadline = Date.now() + 60_000;
    while (recorded() < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.kill("SIGINT");
    const r = await first;
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const s = JSON.parse(String(r.stdout));
    expect(s.status).toBe("cancelled");
    expect(s.counts.downloaded).toBeGreaterThanOrEqual(40);
    expect(s.counts.downloaded).toBeLessThan(total);

    const v = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).counts.ok).toBe(s.counts.downloaded);

    const second = await lakehouse(args);
    expect(second.code, second.stderr).toBe(0);
    const s2 = JSON.parse(second.stdout);
    expect(s2.status).toBe("completed");
    expect(s2.counts.downloaded + s2.counts.skipped).toBe(total);
    expect(s2.counts.skipped).toBe(s.counts.downloaded);
  }, 180_000);
});
