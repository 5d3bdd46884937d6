// A secret in the archive endpoint (`http://KEY:SECRET@host`) is used — requests are signed with it — and shown
// nowhere: not on stdout or stderr of any command (collect with sdk and s5cmd, plan, symbols, verify, runs, silver,
// sql, cancel), not under _meta/, not on s5cmd's command line (what `ps` shows any user), not in Redis for a queued
// run, not in a worker's logs.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateReplica,
  type RedisServer,
  s5cmdPath,
  startRedis,
  startVersitygw,
  type VersityGw,
} from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { type CliResult, lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { BUCKET, tempDir } from "./replica-env.js";
import { startWorker, type WorkerProc } from "./workers.js";

const ACCESS_KEY = "h15aAccessKey";
const SECRET = "h15aS3cretPW-7f1e9c";
const WRONG = "h15aWr0ngPW-02ab4d";
const DAY = "2025-06-01";
const SEL = selection({
  market: "spot",
  symbols: "BTCUSDT,ETHUSDT",
  dataTypes: "klines",
  intervals: "1h",
  start: DAY,
  end: "2025-06-02",
});

describe("credentials in the endpoint URL", () => {
  let root: string;
  let gw: VersityGw;
  let redis: RedisServer;
  let worker: WorkerProc | undefined;
  let psLog: string;
  let wrapper: string;
  let env: Record<string, string>;
  /** Everything every command printed, checked at the end. */
  const printed: { what: string; text: string }[] = [];
  const run = async (what: string, args: string[]): Promise<CliResult> => {
    const r = await lakehouse(["--verbose", "--log-format", "json", ...args], { env });
    printed.push({ what, text: r.stdout + r.stderr });
    return r;
  };
  /** `--endpoint URL --region us-east-1` (signed requests name the server's region). */
  const at = (password: string, port = gw.port) => [
    "--endpoint",
    `http://${ACCESS_KEY}:${password}@127.0.0.1:${port}`,
    "--region",
    gw.region,
  ];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "lh-secrets-"));
    await generateReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1h"],
      symbols: { spot: ["BTCUSDT", "ETHUSDT"] },
      start: DAY,
      end: "2025-06-02",
      quirks: false,
      outDir: join(root, BUCKET),
    });
    [gw, redis] = await Promise.all([
      startVersitygw({
        root,
        buckets: [BUCKET],
        publicReadBuckets: [BUCKET],
        accessKey: ACCESS_KEY,
        secretKey: SECRET,
      }),
      startRedis(),
    ]);
    // s5cmd through a wrapper that records what `ps` shows (every process's command line) as each s5cmd starts:
    // exec keeps the arguments, so the wrapper's line is the one s5cmd then runs with.
    const bin = mkdtempSync(join(tmpdir(), "lh-secrets-bin-"));
    psLog = join(bin, "ps.log");
    wrapper = join(bin, "s5cmd");
    writeFileSync(wrapper, `#!/bin/sh\nps -ww -eo pid,args >> '${psLog}'\nexec '${s5cmdPath()}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    env = { S5CMD_PATH: wrapper, HOME: tempDir("lh-secrets-home-") };
  }, 120_000);
  afterAll(async () => {
    worker?.proc.kill("SIGKILL");
    await Promise.allSettled([worker?.proc, gw?.stop(), redis?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("is used to sign requests by both downloaders and masked in every command's output, files, ps and Redis", async () => {
    const outs: string[] = [];
    for (const downloader of ["sdk", "s5cmd"]) {
      const out = tempDir(`lh-secrets-${downloader}-`);
      outs.push(out);
      const c = await run(`collect ${downloader}`, [
        "collect",
        ...at(SECRET),
        "--downloader",
        downloader,
        ...SEL,
        "--output",
        out,
        "--json",
      ]);
      expect(c.code, `${c.stdout}\n${c.stderr.slice(-3000)}`).toBe(0);
      const summary = JSON.parse(c.stdout);
      expect(summary.counts.downloaded).toBe(4);
      expect(summary.settings.endpoint).toBe(`http://${ACCESS_KEY}:***@127.0.0.1:${gw.port}`);
    }
    // s5cmd ran, with no secret and signed requests (no --no-sign-request): the credentials went through its
    // environment. The wrong secret is refused by the server: proof the credentials are really used.
    // The s5cmd processes' lines (the wrapper's, which exec keeps): not the test's S3 server's, nor the CLI's own,
    // whose arguments the test itself wrote (a config file keeps an endpoint off the command line).
    const ps = readFileSync(psLog, "utf8")
      .split("\n")
      .filter((l) => l.includes(` ${wrapper} `))
      .join("\n");
    expect(ps).toMatch(
      new RegExp(`s5cmd --json --numworkers \\d+ --endpoint-url http://127\\.0\\.0\\.1:${gw.port} `),
    );
    expect(ps).not.toMatch(/--no-sign-request/);
    const wrong = await run("collect s5cmd, wrong secret", [
      "collect",
      ...at(WRONG),
      "--downloader",
      "s5cmd",
      ...SEL,
      "--output",
      tempDir("lh-secrets-wrong-"),
      "--retries",
      "0",
      "--json",
    ]);
    expect(wrong.code).toBe(1);
    const failed = JSON.parse(wrong.stdout);
    expect(failed.counts.failed).toBe(4);
    expect(JSON.stringify(failed.failures)).toMatch(
      /SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId|403/,
    );

    // The other commands, as they succeed and as they fail (an endpoint where nothing listens); verify --repair
    // re-fetches a deleted zip through s5cmd.
    const zip = walk(outs[1]!).find((p) => p.endsWith(".zip"))!;
    rmSync(zip);
    const closed = at(SECRET, 1);
    const sel2 = [...SEL.slice(0, 2), "--symbols", "*USDT", ...SEL.slice(4)];
    for (const [what, args, code] of [
      ["plan", ["plan", ...at(SECRET), ...sel2], 0],
      ["plan, unreachable", ["plan", ...closed, ...sel2, "--retries", "0"], 1],
      ["symbols", ["symbols", "-m", "spot", "-t", "klines", ...at(SECRET)], 0],
      ["symbols, unreachable", ["symbols", "-m", "spot", "-t", "klines", ...closed], 1],
      ["verify --repair", ["verify", "--output", outs[1]!, ...at(SECRET), "-d", "s5cmd", "--repair"], 0],
      ["runs", ["runs", "--output", outs[1]!], 0],
      ["silver", ["silver", "--output", outs[1]!], 0],
      ["sql", ["sql", "--output", outs[1]!, "SELECT count(*) AS n FROM spot_klines"], 0],
    ] as const) {
      const r = await run(what, [...args]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
    }

    // A queued run: the job in Redis and the worker carry the endpoint masked (the worker reads anonymously).
    const queue = `redis://127.0.0.1:${redis.port}?queue=secrets&pollMs=200`;
    worker = startWorker(["--queue", queue, "--verbose", "--name", "w-secrets"], {
      S5CMD_PATH: env.S5CMD_PATH!,
    });
    await worker.waitFor((l) => l.msg === "worker ready");
    const queued = await run("collect --queue", [
      "collect",
      ...at(SECRET),
      ...SEL,
      "--output",
      tempDir("lh-secrets-queued-"),
      "--queue",
      queue,
      "--json",
    ]);
    expect(queued.code, queued.stderr).toBe(0);
    const { runId } = JSON.parse(queued.stdout);
    const cancel = await run("cancel", ["cancel", runId, "--queue", queue, "--json"]);
    expect(cancel.code, cancel.stderr).toBe(0);
    // Every key and value Redis holds, uncompressed, as one dump.
    const rdb = join(root, "dump.rdb");
    execFileSync("redis-cli", ["-p", String(redis.port), "CONFIG", "SET", "rdbcompression", "no"]);
    execFileSync("redis-cli", ["-p", String(redis.port), "--rdb", rdb], { stdio: "ignore" });
    const dump = readFileSync(rdb, "latin1");
    expect(dump).toContain(runId);
    expect(dump).toContain(`${ACCESS_KEY}:***@127.0.0.1`);

    const files = outs.flatMap((o) => walk(o));
    expect(files.some((p) => p.includes("/_meta/runs/"))).toBe(true);
    for (const secret of [SECRET, WRONG, encodeURIComponent(SECRET)]) {
      for (const p of printed) expect(p.text, p.what).not.toContain(secret);
      for (const f of files) expect(readFileSync(f, "latin1"), f).not.toContain(secret);
      expect(ps).not.toContain(secret);
      expect(dump).not.toContain(secret);
      expect(JSON.stringify(worker.lines)).not.toContain(secret);
    }
  }, 300_000);
});
