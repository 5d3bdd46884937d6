// The example plugins use the contract's optional hooks, and the unchanged `lakehouse` CLI and worker honour
// them: its executor answers `lakehouse runs` and `lakehouse cancel`; its storage travels with queued jobs to a
// `lakehouse-worker` running in another folder (its `portable` hook makes the root absolute).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "../../../apps/cli/test/cli.js";
import { type ServedReplica, serveReplica, tempDir } from "../../../apps/cli/test/replica-env.js";
import { startWorker, type WorkerProc } from "../../../apps/cli/test/workers.js";

const MODULE = resolve(import.meta.dirname, "..", "dist", "index.js");

/** A config file in its own folder, naming the plugin module, the um_funding market and `extra`. */
function writeConfig(extra: Record<string, unknown>): string {
  const cfg = join(tempDir("lh-hooks-cfg-"), "lakehouse.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      plugins: [MODULE],
      markets: ["um_funding"],
      symbols: ["BTCUSDT"],
      data_types: ["fundingRate"],
      date_range: { start: "2023-05-01", end: "2023-07-31" },
      ...extra,
    }),
  );
  return cfg;
}

describe("optional plugin hooks, through the unchanged CLI and worker", () => {
  let replica: ServedReplica;
  let redis: RedisServer;
  const workers: WorkerProc[] = [];
  beforeAll(async () => {
    if (!existsSync(MODULE)) throw new Error(`${MODULE} is missing: run \`pnpm build\` first`);
    [replica, redis] = await Promise.all([
      serveReplica({
        markets: ["futures_um"],
        dataTypes: ["fundingRate"],
        start: "2023-05-01",
        end: "2023-07-31",
      }),
      startRedis(),
    ]);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill("SIGKILL");
    await Promise.allSettled(workers.map((w) => w.proc));
    await Promise.allSettled([replica?.stop(), redis?.stop()]);
  });

  it("its executor lists its runs (`lakehouse runs --executor`) and cancels one (`lakehouse cancel`)", async () => {
    const journal = join(tempDir("lh-hooks-journal-"), "batches.jsonl");
    const cfg = writeConfig({ executor: { kind: "journal", journal } });
    const out = tempDir("lh-hooks-lake-");
    const run = await lakehouse([
      "collect",
      "--config",
      cfg,
      "--output",
      out,
      "--endpoint",
      replica.endpoint,
      "--json",
    ]);
    // Exit 1 only for the replica's one stale .CHECKSUM (a quirk of the real archive), when selected.
    expect([0, 1], run.stderr).toContain(run.code);
    const s = JSON.parse(run.stdout);
    expect(s.executor).toBe("journal");
    expect(s.status).toMatch(/^completed/);

    const listed = await lakehouse([
      "runs",
      "--config",
      cfg,
      "--output",
      out,
      "--executor",
      "journal",
      "--json",
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const doc = JSON.parse(listed.stdout);
    // The store's record and the executor's own view of the same run, side by side.
    expect(doc.stored.map((r: { runId: string }) => r.runId)).toEqual([s.runId]);
    expect(doc.queued).toEqual([
      expect.objectContaining({
        runId: s.runId,
        status: "completed",
        files: { queued: s.planned, done: s.planned },
        counts: expect.objectContaining({ downloaded: s.counts.downloaded }),
      }),
    ]);
    const table = await lakehouse(["runs", "--config", cfg, "--output", out, "--executor", "journal"]);
    expect(table.stdout).toMatch(new RegExp(`In the journal executor:\\n[\\s\\S]*${s.runId}\\s+completed`));

    const cancelled = await lakehouse([
      "cancel",
      s.runId,
      "--config",
      cfg,
      "--executor",
      "journal",
      "--json",
    ]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toEqual({
      runId: s.runId,
      removed: 0,
      active: 0,
      previous: "completed",
    });
    const after = JSON.parse(
      (await lakehouse(["runs", "--config", cfg, "--output", out, "--executor", "journal", "--json"])).stdout,
    );
    expect(after.queued[0]).toMatchObject({ runId: s.runId, status: "cancelled" });
    // The plugin's own errors come through as they are: exit 1 for a run it does not know.
    const unknown = await lakehouse(["cancel", "no-such-run", "--config", cfg, "--executor", "journal"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No run 'no-such-run' in the journal");
  }, 120_000);

  it("an executor without the hooks is refused by name, exit 2", async () => {
    const r = await lakehouse(["cancel", "some-run", "--executor", "in-process"]);
    expect(r.stderr).toContain("The 'in-process' executor cannot cancel runs");
    expect(r.code).toBe(2);
  });

  it("its storage, with a relative root, is used by queued jobs on a worker in another folder", async () => {
    const url = `${redis.url}?queue=plugin-storage&pollMs=200`;
    // The worker knows nothing of the plugin: the job names the module and the storage options.
    const workerDir = tempDir("lh-hooks-worker-");
    const worker = startWorker(["--queue", url], {}, workerDir);
    workers.push(worker);
    await worker.waitFor((l) => l.msg === "worker ready");
    const submitDir = tempDir("lh-hooks-submit-");
    mkdirSync(submitDir, { recursive: true });
    const cfg = writeConfig({ storage: { kind: "example-dir", root: "./queued-lake" } });
    const r = await lakehouse(
      ["collect", "--config", cfg, "--endpoint", replica.endpoint, "--queue", url, "--json"],
      { cwd: submitDir },
    );
    expect([0, 1], r.stderr).toContain(r.code);
    const s = JSON.parse(r.stdout);
    expect(s.executor).toBe("bullmq");
    expect(s.status).toMatch(/^completed/);
    const root = join(submitDir, "queued-lake");
    const stale = new Set(replica.manifest.stale);
    const expected = replica.manifest.files.filter(
      (f) =>
        f.symbol === "BTCUSDT" &&
        f.partition === "monthly" &&
        f.dataType === "fundingRate" &&
        !stale.has(f.key),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(s.counts.downloaded).toBe(expected.length);
    for (const f of expected) {
      const p = join(
        root,
        "bronze",
        "um_funding",
        "fundingRate",
        "monthly",
        "BTCUSDT",
        f.key.split("/").pop()!,
      );
      expect(createHash("sha256").update(readFileSync(p)).digest("hex")).toBe(f.sha256);
    }
    // The worker did the work (its log names the batches), and wrote nothing into its own folder.
    expect(worker.lines.some((l) => l.msg === "batch finished")).toBe(true);
    expect(readdirSync(workerDir)).toEqual([]);
  }, 180_000);
});
