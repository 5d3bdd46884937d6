// `lakehouse collect --output s3://…` end to end: the archive replica on one versitygw (public bucket), the
// lakehouse in a private bucket of a second versitygw, credentials only in the environment.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  bronzeKey,
  fileRecordKey,
  parseStagingName,
  type StorageBackend,
  silentLogger,
  stagingHost,
} from "@crypto-lakehouse/core";
import { builtinRegistry } from "@crypto-lakehouse/runtime";
import { startToxiproxy, startVersitygw, type Toxiproxy, type VersityGw } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, lakehouse, startLakehouse } from "./cli.js";
import { tempDir as makeTempDir, type ServedReplica, serveReplica } from "./replica-env.js";

/** Temp folders of this file, removed after it. */
const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = makeTempDir(prefix);
  scratch.push(dir);
  return dir;
};

const LAKE = "lake";
const START = "2023-07-01";
const END = "2023-08-02";
const ACCESS_KEY = `lh-access-${randomBytes(6).toString("hex")}`;
const SECRET_KEY = `lh-secret-${randomBytes(12).toString("hex")}`;

/** The s3 backend as the CLI builds it (same plugin), for looking into the store from the test. */
interface Inspector extends StorageBackend {
  listIncompleteUploads(): AsyncIterable<{ key: string }>;
  abortIncompleteUploads(o?: { olderThanMs?: number }): Promise<number>;
}

async function hash(stream: Readable): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest("hex");
}

async function collectKeys(storage: StorageBackend, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out;
}

describe("lakehouse on S3 (versitygw)", () => {
  let replica: ServedReplica;
  let lakeGw: VersityGw;
  let toxiproxy: Toxiproxy;
  const transcripts: CliResult[] = [];
  const run = async (args: string[], env?: Record<string, string>) => {
    const r = await lakehouse(args, env ? { env } : {});
    transcripts.push(r);
    return r;
  };
  const inspectors: Inspector[] = [];
  const inspect = async (prefix: string): Promise<Inspector> => {
    const plugin = await builtinRegistry().storages.get("s3")!.load();
    const s = (await plugin.create(
      { bucket: LAKE, prefix, endpoint: lakeGw.endpoint },
      { logger: silentLogger },
    )) as Inspector;
    inspectors.push(s);
    return s;
  };

  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines", "trades"],
      symbols: { spot: ["BTCUSDT"] },
      intervals: ["1d"],
      start: START,
      end: END,
      rowsPerFile: 20,
      // Bigger than the default 16 MiB part: stored with a multipart upload.
      largeFiles: { count: 2, sizeMb: 20 },
      smallFiles: { count: 120, minKb: 10, maxKb: 30 },
    });
    lakeGw = await startVersitygw({
      root: join(tempDir("lh-lake-"), "root"),
      buckets: [LAKE],
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
    });
    toxiproxy = await startToxiproxy();
    // What a user exports; the CLI children inherit it, and so does the inspector here.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_ENDPOINT_URL_S3: lakeGw.endpoint,
      AWS_REGION: "us-east-1",
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(inspectors.map((s) => s.close?.()));
    await Promise.allSettled([replica?.stop(), lakeGw?.stop(), toxiproxy?.stop()]);
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("collects into s3://: bytes equal the replica, sha256 in object metadata, records in the store; a second machine skips it all", async () => {
    const out = `s3://${LAKE}/e2e`;
    const sel = [
      "--market",
      "spot",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "klines,trades",
      "--intervals",
      "1d",
      "--start",
      START,
      "--end",
      END,
      "--partitions",
      "daily",
    ];
    const first = await run([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...sel,
      "--output",
      out,
      "--json",
      "-v",
      "--log-format",
      "json",
    ]);
    expect(first.code, first.stderr).toBe(1); // the replica's stale CHECKSUM
    const s = JSON.parse(first.stdout);
    expect(s.output).toBe(out);
    const stale = new Set(replica.manifest.stale);
    const planned = replica.manifest.files.filter((f) => f.symbol === "BTCUSDT" && f.partition === "daily");
    const good = planned.filter((f) => !stale.has(f.key));
    expect(s.counts).toMatchObject({
      downloaded: good.length,
      checksum_mismatch: stale.size,
      missing: replica.manifest.holes.length,
      failed: 0,
    });

    const store = await inspect("e2e");
    for (const f of good) {
      const key = bronzeKey(f);
      const head = await store.head(key);
      expect(head?.size, key).toBe(f.size);
      expect(head?.metadata?.sha256).toBe(f.sha256);
      expect(await hash(await store.get(key))).toBe(f.sha256);
      expect((await store.read(`${key}.CHECKSUM`))?.toString()).toContain(f.sha256);
      expect(JSON.parse((await store.read(fileRecordKey(key)))!.toString())).toMatchObject({
        key: f.key,
        sha256: f.sha256,
        runId: s.runId,
      });
    }
    for (const key of stale)
      expect(await store.head(bronzeKey(planned.find((f) => f.key === key)!))).toBeUndefined();
    expect((await collectKeys(store, "_meta/quarantine/")).filter((k) => k.endsWith(".zip"))).toHaveLength(
      stale.size,
    );
    expect((await collectKeys(store, "bronze/")).filter((k) => k.endsWith(".zip"))).toHaveLength(good.length);

    // Another working directory and staging folder: everything it knows comes from the store.
    const again = await lakehouse(
      ["collect", "--endpoint", replica.endpoint, ...sel, "--output", out, "--json"],
      { cwd: tempDir("lh-machine2-"), env: { TMPDIR: tempDir("lh-tmp2-") } },
    );
    transcripts.push(again);
    const s2 = JSON.parse(again.stdout);
    expect(s2.counts.skipped).toBe(good.length);
    expect(s2.counts.downloaded).toBe(0);

    const runs = await run(["runs", "--output", out, "--json"]);
    expect(runs.code, runs.stderr).toBe(0);
    const list = JSON.parse(runs.stdout);
    expect(list.map((r: { runId: string }) => r.runId)).toEqual([s2.runId, s.runId]);
    expect(list[1].counts).toEqual(s.counts);
    const show = await run(["runs", "show", s.runId, "--output", out]);
    for (const key of stale) expect(show.stdout).toMatch(new RegExp(`checksum_mismatch\\s+${key}`));
  }, 120_000);

  it("wrong credentials: STORAGE_FAILED naming the bucket, before any download, without the secret", async () => {
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    const r = await run(
      [
        "collect",
        "--endpoint",
        replica.endpoint,
        "--market",
        "spot",
        "--symbols",
        "BTCUSDT",
        "--data-types",
        "klines",
        "--intervals",
        "1d",
        "--start",
        START,
        "--end",
        START,
        "--output",
        `s3://${LAKE}/e2e`,
      ],
      { AWS_SECRET_ACCESS_KEY: wrong },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Access denied writing to s3://${LAKE}/e2e .*SignatureDoesNotMatch`));
    expect(r.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(r.stderr + r.stdout).not.toContain(wrong);
    const runs = await run(["runs", "--output", `s3://${LAKE}/e2e`], { AWS_ACCESS_KEY_ID: "nobody-at-all" });
    expect(runs.code).toBe(1);
    expect(runs.stderr).toContain(`s3://${LAKE}/e2e`);
  }, 60_000);

  it("SIGKILL mid-upload: no partial object under a final key; the re-run completes and uploads only the rest", async () => {
    // Uploads go through a throttled proxy, so a 20 MiB multipart upload is surely in flight when we kill.
    const proxy = await toxiproxy.createProxy("lake", `127.0.0.1:${lakeGw.port}`);
    await toxiproxy.addToxic(proxy, { type: "bandwidth", stream: "upstream", attributes: { rate: 4096 } });
    // The first day holds both large files and a few small ones.
    const bench = replica.manifest.files.filter((f) => f.bench && f.period === START);
    expect(bench.filter((f) => f.bench === "large")).toHaveLength(2);
    // 5 MiB parts (the specification's default is 50 MiB, which would upload a 20 MiB file in one put).
    const partCfg = join(tempDir("lh-s3part-"), "config.json");
    writeFileSync(partCfg, JSON.stringify({ part_size_mb: 5 }));
    const args = [
      "collect",
      "--config",
      partCfg,
      "--endpoint",
      replica.endpoint,
      "--market",
      "spot",
      "--symbols",
      "BENCH*,SMALL*",
      "--data-types",
      "trades",
      "--start",
      START,
      "--end",
      START,
      "--partitions",
      "daily",
      "--output",
      `s3://${LAKE}/kill`,
      // One file at a time: the second large file is still uploading after the first one is stored.
      "--concurrency",
      "1",
      "--json",
    ];
    const store = await inspect("kill");
    // With a remote store a run stages its downloads under <TMPDIR>/crypto-lakehouse.
    const tmp = tempDir("lh-killtmp-");
    const staging = join(tmp, "crypto-lakehouse");
    const first = startLakehouse(args, { env: { AWS_ENDPOINT_URL_S3: proxy.endpoint, TMPDIR: tmp } });
    const deadline = Date.now() + 60_000;
    // Killed once a file is stored and another is mid-upload: the re-run has something to skip and to finish.
    let inFlight: string[] = [];
    let stored = 0;
    while ((inFlight.length === 0 || stored === 0) && Date.now() < deadline && first.exitCode === null) {
      stored = (await collectKeys(store, "_meta/files/")).length;
      inFlight = [];
      for await (const u of store.listIncompleteUploads()) inFlight.push(u.key);
      if (inFlight.length === 0 || stored === 0) await new Promise((r) => setTimeout(r, 25));
    }
    first.kill("SIGKILL");
    await first;
    expect(inFlight.length, "a multipart upload was in flight when killed").toBeGreaterThan(0);
    expect(stored, "a file was stored before the kill").toBeGreaterThan(0);

    // Nothing partial under a final name: every stored zip is whole; the interrupted ones are not there at all.
    const bySha = new Map(bench.map((f) => [bronzeKey(f), f.sha256]));
    const zips = (await collectKeys(store, "bronze/")).filter((k) => k.endsWith(".zip"));
    for (const key of zips) expect(await hash(await store.get(key)), key).toBe(bySha.get(key));
    for (const key of inFlight) expect(await store.head(key)).toBeUndefined();
    const recorded = (await collectKeys(store, "_meta/files/")).length;
    expect(recorded).toBeLessThan(bench.length);
    // The kill left the run's staging folder behind, named after this host and the killed process.
    const killedStaging = readdirSync(staging).filter((n) => {
      const owner = parseStagingName(n);
      return owner?.host === stagingHost() && owner.pid === first.pid;
    });
    expect(killedStaging).toHaveLength(1);

    // Re-run straight to the store (no proxy).
    const second = await run(args, { TMPDIR: tmp });
    expect(second.code, second.stderr).toBe(0);
    const s = JSON.parse(second.stdout);
    expect(s.planned).toBe(bench.length);
    expect(s.counts.skipped).toBe(recorded);
    expect(s.counts.downloaded).toBe(bench.length - recorded);
    const after = (await collectKeys(store, "bronze/")).filter((k) => k.endsWith(".zip"));
    expect(after.sort()).toEqual([...bySha.keys()].sort());
    for (const key of inFlight) expect(await hash(await store.get(key))).toBe(bySha.get(key));
    // The re-run removed the killed run's staging folder (its pid is dead) and its own when it finished.
    expect(existsSync(join(staging, killedStaging[0]!))).toBe(false);
    expect(readdirSync(staging)).toEqual([]);
    // The killed run's parts are invisible but billed: the backend can clean them up.
    expect(await store.abortIncompleteUploads({ olderThanMs: 0 })).toBeGreaterThanOrEqual(inFlight.length);
    const left: string[] = [];
    for await (const u of store.listIncompleteUploads()) left.push(u.key);
    expect(left).toEqual([]);
  }, 120_000);

  it("verify finds bytes flipped in the store and --repair fixes them (config with a storage block)", async () => {
    const cfg = join(tempDir("lh-s3cfg-"), "config.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        markets: ["spot"],
        symbols: ["BTCUSDT"],
        data_types: ["trades"],
        date_range: { start: START, end: "2023-07-05" },
        partitions: "daily",
        endpoint: replica.endpoint,
        storage: { kind: "s3", bucket: LAKE, prefix: "verify", part_size_mb: 5 },
      }),
    );
    const collected = await run(["collect", "--config", cfg, "--json"]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(JSON.parse(collected.stdout).counts.downloaded).toBe(5);
    const target = replica.manifest.files.find(
      (f) => f.symbol === "BTCUSDT" && f.dataType === "trades" && f.period === "2023-07-02",
    )!;
    const key = bronzeKey(target);
    // Behind the server's back: versitygw's posix backend keeps the object as a plain file.
    const onDisk = join(lakeGw.root, LAKE, "verify", ...key.split("/"));
    const bytes = readFileSync(onDisk);
    bytes[100] = (bytes[100] ?? 0) ^ 0x01;
    writeFileSync(onDisk, bytes);

    const found = await run(["verify", "--config", cfg, "--json"]);
    expect(found.code, found.stderr).toBe(1);
    const report = JSON.parse(found.stdout);
    expect(report.location).toBe(`s3://${LAKE}/verify`);
    expect(report.counts).toMatchObject({ ok: 4, corrupt: 1, missing: 0, unverified: 0 });
    expect(report.items[0]).toMatchObject({ bronzeKey: key, status: "corrupt", recorded: target.sha256 });

    const repaired = await run(["verify", "--config", cfg, "--repair"]);
    expect(repaired.code, repaired.stdout + repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/1 re-fetched; 0 problems left/);
    const store = await inspect("verify");
    expect(await hash(await store.get(key))).toBe(target.sha256);
    const clean = await run(["verify", "--config", cfg]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/5 ok, 0 corrupt, 0 missing, 0 unverified/);
    expect(JSON.parse((await run(["runs", "--config", cfg, "--json"])).stdout)).toHaveLength(2);
  }, 60_000);

  it("no secret in any _meta/ object, log line, output or error", async () => {
    expect(transcripts.length).toBeGreaterThan(5);
    expect(transcripts.some((t) => /"msg":"s3 storage"/.test(t.stderr))).toBe(true); // debug logs were captured
    for (const t of transcripts) {
      for (const secret of [SECRET_KEY, ACCESS_KEY]) {
        expect(t.stdout).not.toContain(secret);
        expect(t.stderr).not.toContain(secret);
      }
    }
    const store = await inspect("");
    const metas = (await collectKeys(store, "")).filter(
      (k) => (k.includes("/_meta/") && !k.includes("/quarantine/")) || k.endsWith(".reason.json"),
    );
    expect(metas.length).toBeGreaterThan(10);
    for (const key of metas) {
      const text = (await store.read(key))!.toString("utf8");
      expect(text, key).not.toContain(SECRET_KEY);
      expect(text, key).not.toContain(ACCESS_KEY);
    }
  }, 60_000);
});
