// `lakehouse collect` runs that fail fatally: the run is recorded as failed (error, counts so far), --json still
// prints one summary, the exit code is 1, `lakehouse runs` lists it; bad input fails before any run is recorded.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { loopBronzeFolder, walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";
import { END, SPOT_THEN_FUTURES, SPOT_THEN_FUTURES_REPLICA, START } from "./spot-then-futures.js";

/** Nothing listens on port 9 (discard): connections are refused at once. */
const UNREACHABLE = "http://127.0.0.1:9";

interface Summary {
  runId: string;
  status: string;
  planned: number;
  counts: Record<string, number>;
  bytes: number;
  failures: unknown[];
  error?: { code: string; message: string; details?: string[] };
  executor: string;
  output: string;
}

/** The summary recorded under `_meta/runs/` of a local lakehouse, or undefined. */
function record(out: string, runId: string): Summary | undefined {
  const p = join(out, "_meta", "runs", `${runId}.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Summary) : undefined;
}

/** A glob needs the archive listing: against an unreachable endpoint, planning fails before any file. */
const GLOB = {
  market: "spot",
  symbols: "BTC*",
  dataTypes: "klines",
  intervals: "1d",
  start: START,
  end: END,
};

/** `lakehouse collect` of GLOB from the unreachable endpoint into `out`, then `extra`. */
function collectGlobUnreachable(out: string, ...extra: string[]): string[] {
  return [
    "collect",
    "--endpoint",
    UNREACHABLE,
    ...selection(GLOB),
    "--retries",
    "1",
    "--output",
    out,
    ...extra,
  ];
}

/** Runs the CLI, which must exit 1, and returns the run summary it printed (JSON) and its stderr. */
async function failedRun(args: string[]): Promise<{ s: Summary; stderr: string }> {
  const r = await lakehouse(args);
  expect(r.code, r.stderr).toBe(1);
  // The printed summary is the stored record plus `ok`, false as for any run that did not complete.
  const { ok, ...s } = JSON.parse(r.stdout) as Summary & { ok?: boolean };
  expect(ok).toBe(false);
  return { s, stderr: r.stderr };
}

async function listedRuns(out: string): Promise<Summary[]> {
  const r = await lakehouse(["runs", "--output", out, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Summary[];
}

describe("lakehouse collect: a run that fails fatally is recorded as failed", () => {
  let replica: ServedReplica;

  beforeAll(async () => {
    replica = await serveReplica(SPOT_THEN_FUTURES_REPLICA);
  }, 120_000);
  afterAll(async () => {
    await replica?.stop();
  });

  it("the store fails mid-run (after the spot files are stored): failed with the counts so far, exit 1", async () => {
    const out = tempDir("lh-failed-mid-");
    // A symbolic link to itself where the futures_um bronze folder is: reading it (the resume check before the
    // futures file is fetched) fails with ELOOP, while spot, planned first, is collected normally.
    loopBronzeFolder(out, "futures_um");
    const spot = replica.manifest.files.filter((f) => f.market === "spot");
    expect(spot).toHaveLength(3);
    const { s, stderr } = await failedRun([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection(SPOT_THEN_FUTURES),
      // Spot's three files fill the first batch exactly: the run stores them before planning reaches futures_um.
      "--batch-size",
      "3",
      "--output",
      out,
      "--json",
    ]);
    expect(s).toMatchObject({
      status: "failed",
      planned: 4,
      counts: { downloaded: 3, skipped: 0, failed: 0, missing: 0 },
      bytes: spot.reduce((n, f) => n + f.size, 0),
      failures: [],
      output: out,
      error: { code: "STORAGE_FAILED" },
    });
    expect(s.error?.message).toMatch(
      /^Failed listing .*bronze\/futures_um\/klines\/daily\/BTCUSDT\/1d: ELOOP/,
    );
    // The error on stderr as for any error, then where the record is.
    expect(stderr).toContain(`Error: ${s.error?.message}`);
    expect(stderr).toContain(`Run ${s.runId} failed; its record: ${out}/_meta/runs/${s.runId}.json`);
    expect(record(out, s.runId)).toEqual(s);
    // What was stored before the failure is kept (and a re-run would skip it).
    expect(
      walk(join(out, "bronze", "spot"))
        .filter((p) => p.endsWith(".zip"))
        .map((p) => p.split("/").pop())
        .sort(),
    ).toEqual(spot.map((f) => f.key.split("/").pop()).sort());

    const listed = await listedRuns(out);
    expect(listed.map((x) => [x.runId, x.status])).toEqual([[s.runId, "failed"]]);
    const table = await lakehouse(["runs", "--output", out]);
    expect(table.stdout).toMatch(new RegExp(`${s.runId}\\s+failed\\s`));
    const show = await lakehouse(["runs", "show", s.runId, "--output", out]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`Run ${s.runId}: failed`);
    expect(show.stdout).toContain(`error     STORAGE_FAILED: ${s.error?.message}`);
  }, 120_000);

  it("discovery fails (a symbol glob against an unreachable endpoint): failed, nothing planned, exit 1", async () => {
    const out = tempDir("lh-failed-list-");
    const { s } = await failedRun(collectGlobUnreachable(out, "--json"));
    expect(s).toMatchObject({
      status: "failed",
      planned: 0,
      counts: { downloaded: 0, failed: 0 },
      bytes: 0,
      executor: "in-process",
    });
    expect(s.error?.message).toMatch(
      /^listing s3:\/\/data\.binance\.vision\/data\/spot\/daily\/klines\/ .*ECONNREFUSED/,
    );
    expect(["NETWORK", "DOWNLOAD_FAILED"]).toContain(s.error?.code);
    expect(record(out, s.runId)).toEqual(s);
    expect((await listedRuns(out)).map((x) => [x.runId, x.status])).toEqual([[s.runId, "failed"]]);

    // Without --json on a terminal-less stdout the summary is still JSON; the message and the record line as above.
    const plain = await failedRun(collectGlobUnreachable(out));
    expect(plain.stderr).toMatch(/^Error: listing s3:\/\/data\.binance\.vision\/.*ECONNREFUSED/);
    expect(plain.stderr).toContain(`its record: ${out}/_meta/runs/${plain.s.runId}.json`);
    expect(new Set((await listedRuns(out)).map((x) => x.runId))).toEqual(new Set([s.runId, plain.s.runId]));
  }, 60_000);

  it("when the run record cannot be written either: the original error, a warning, the summary on stdout, exit 1", async () => {
    const out = tempDir("lh-failed-norecord-");
    const runId = "20230704T000000Z-n0r3c0";
    // A folder where the record must go: storing the summary fails (a file and a folder would share a name).
    mkdirSync(join(out, "_meta", "runs", `${runId}.json`), { recursive: true });
    const { s, stderr } = await failedRun(collectGlobUnreachable(out, "--run-id", runId, "--json"));
    expect(s).toMatchObject({ runId, status: "failed", planned: 0 });
    expect(s.error?.message).toMatch(/^listing .*ECONNREFUSED/);
    // The listing error is what the run reports, not the storage error that followed it.
    expect(stderr).toMatch(/^Error: listing s3:\/\/.*ECONNREFUSED/m);
    expect(stderr).toMatch(/could not record the failed run/);
    expect(stderr).toContain(`Run ${runId} failed; its record could not be written`);
    expect(readdirSync(join(out, "_meta", "runs", `${runId}.json`))).toEqual([]);
    expect(await listedRuns(out)).toEqual([]);
  }, 60_000);

  it("bad input exits 2 before a run exists: nothing is recorded", async () => {
    const out = tempDir("lh-failed-input-");
    const dates = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ ...GLOB, start: "2023-07-09", end: "2023-07-01" }),
      "--output",
      out,
      "--json",
    ]);
    expect(dates.code).toBe(2);
    expect(dates.stderr).toMatch(/'2023-07-01' is before --start '2023-07-09'/);
    expect(dates.stdout).toBe("");
    const market = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ ...GLOB, market: "margin" }),
      "--retries",
      "1",
      "--output",
      out,
      "--json",
    ]);
    expect(market.code).toBe(2);
    expect(market.stdout).toBe("");
    expect(existsSync(join(out, "_meta", "runs"))).toBe(false);
  }, 60_000);
});

describe("lakehouse collect --queue: a submitter that fails fatally records the run as failed", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("discovery fails while submitting to the queue: failed record with the bullmq executor, exit 1", async () => {
    const out = tempDir("lh-failed-queue-");
    const { s } = await failedRun(
      collectGlobUnreachable(out, "--queue", `${redis.url}?queue=failed-run&pollMs=200`, "--json"),
    );
    expect(s).toMatchObject({ status: "failed", planned: 0, executor: "bullmq" });
    expect(s.error?.message).toMatch(/^listing .*ECONNREFUSED/);
    expect(record(out, s.runId)).toEqual(s);
    expect((await listedRuns(out)).map((x) => [x.runId, x.status])).toEqual([[s.runId, "failed"]]);
  }, 60_000);
});
