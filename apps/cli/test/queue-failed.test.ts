// `lakehouse collect --queue` whose submitter fails fatally: `lakehouse runs --queue` shows the run failed with its
// reason (not running forever), its batches not started are removed, and the same command with --run-id finishes it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { loopBronzeFolder } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";
import { SPOT_THEN_FUTURES, SPOT_THEN_FUTURES_REPLICA } from "./spot-then-futures.js";
import { startWorker, type WorkerProc } from "./workers.js";

let replica: ServedReplica;
let redis: RedisServer;
let worker: WorkerProc | undefined;

beforeAll(async () => {
  [replica, redis] = await Promise.all([serveReplica(SPOT_THEN_FUTURES_REPLICA), startRedis()]);
}, 120_000);
afterAll(async () => {
  worker?.proc.kill("SIGKILL");
  await worker?.proc;
  await Promise.allSettled([replica?.stop(), redis?.stop()]);
});

interface Queued {
  runId: string;
  status: string;
  error?: string;
  batches: { waiting: number; active: number; total: number };
  files: { queued: number; done: number };
}

it("a fatal error in the submitter marks the queued run failed with its reason; --run-id re-runs it to completion", async () => {
  const url = `${redis.url}?queue=queue-failed&pollMs=200`;
  const out = tempDir("lh-queue-failed-");
  // A symbolic link to itself where the futures_um bronze folder is: the submitter's resume check for the futures
  // file fails with ELOOP after spot's three files, one full batch, are queued (no worker runs yet).
  loopBronzeFolder(out, "futures_um");
  const args = [
    "collect",
    "--endpoint",
    replica.endpoint,
    ...selection(SPOT_THEN_FUTURES),
    "--batch-size",
    "3",
    "--output",
    out,
    "--queue",
    url,
    "--json",
  ];
  const r = await lakehouse(args);
  expect(r.code, r.stderr).toBe(1);
  const s = JSON.parse(r.stdout) as { runId: string; status: string; error?: { message: string } };
  expect(s).toMatchObject({ status: "failed", error: { message: expect.stringMatching(/ELOOP/) } });

  const listed = await lakehouse(["runs", "--output", out, "--queue", url, "--json"]);
  expect(listed.code, listed.stderr).toBe(0);
  const run = (JSON.parse(listed.stdout) as { queued: Queued[] }).queued.find((x) => x.runId === s.runId);
  expect(run).toMatchObject({
    status: "failed",
    error: s.error?.message,
    files: { queued: 3, done: 0 },
    batches: { waiting: 0, active: 0, total: 0 }, // spot's batch was removed: no worker runs it unobserved
  });
  const table = await lakehouse(["runs", "--output", out, "--queue", url]);
  expect(table.stdout).toMatch(new RegExp(`${s.runId}\\s+failed: Failed listing \\S+/bronze/futures_um/`));

  // The cause fixed, the same command with --run-id collects everything through a worker; the run completes.
  rmSync(join(out, "bronze", "futures_um"));
  worker = startWorker(["--queue", url]);
  await worker.waitFor((l) => l.msg === "worker ready");
  const again = await lakehouse([...args, "--run-id", s.runId]);
  expect(again.code, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({
    runId: s.runId,
    status: "completed",
    counts: { downloaded: replica.manifest.files.length, failed: 0 },
  });
  const after = await lakehouse(["runs", "--output", out, "--queue", url, "--json"]);
  const done = (JSON.parse(after.stdout) as { queued: Queued[] }).queued.find((x) => x.runId === s.runId);
  expect(done?.status).toBe("completed");
  expect(done?.error).toBeUndefined();
}, 120_000);
