// The Redis password of `--queue redis://:PW@…` never reaches _meta/ records, the CLI's output, errors or logs.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort, type RedisServer, startRedis } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";
import { startWorker, type WorkerProc } from "./workers.js";

const PASSWORD = "s3cr3tPW-9f2c1e";
const DAY = "2023-07-01";
/** The replica's spot klines of one day; the tests add the symbols. */
const KLINES = { market: "spot", dataTypes: "klines", intervals: "1d", start: DAY, end: DAY };

/** Sends one RESP command over a raw socket and resolves with the first reply line. */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    socket.once("connect", () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`),
    );
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.split("\r\n")[0]!);
      }
    });
    socket.once("error", reject);
  });
}

/** Log lines that name a key more than once (pino writes a child binding and a call's field side by side). */
function duplicateKeys(text: string, key: string): string[] {
  return text.split("\n").filter((l) => (l.match(new RegExp(`"${key}":`, "g")) ?? []).length > 1);
}

describe("queue credentials stay out of records and output", () => {
  let replica: ServedReplica;
  let redis: RedisServer;
  let worker: WorkerProc | undefined;

  beforeAll(async () => {
    [replica, redis] = await Promise.all([
      serveReplica({
        markets: ["spot"],
        dataTypes: ["klines"],
        intervals: ["1d"],
        start: DAY,
        end: DAY,
        quirks: false,
      }),
      startRedis(),
    ]);
    // A real password-protected Redis: every client below must authenticate with the URL's password.
    expect(await redisCommand(redis.port, "CONFIG", "SET", "requirepass", PASSWORD)).toBe("+OK");
    expect(await redisCommand(redis.port, "PING")).toMatch(/^-NOAUTH/);
  });
  afterAll(async () => {
    worker?.proc.kill("SIGKILL");
    await Promise.allSettled([worker?.proc, replica?.stop(), redis?.stop()]);
  });

  it("a queued collect with redis://:PASSWORD@ completes, and the password is nowhere in _meta/, stdout, stderr or worker logs", async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}?queue=secrets&pollMs=200`;
    worker = startWorker(["--queue", url, "--verbose", "--name", "w-secret"]);
    await worker.waitFor((l) => l.msg === "worker ready");

    const out = tempDir("lh-queue-secret-");
    const res = await lakehouse([
      "--verbose",
      "--log-format",
      "json",
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ ...KLINES, symbols: "BTCUSDT,ETHUSDT" }),
      "--output",
      out,
      "--queue",
      url,
      "--json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ executor: "bullmq", status: "completed", counts: { downloaded: 2 } });
    // The queue is still recorded, with its password masked.
    expect(summary.settings.queue).toBe(`redis://:***@127.0.0.1:${redis.port}?queue=secrets&pollMs=200`);
    await worker.waitFor((l) => l.msg === "batch finished");

    const meta = walk(join(out, "_meta"));
    expect(meta.some((p) => p.endsWith(`${summary.runId}.json`))).toBe(true);
    for (const p of meta) expect(readFileSync(p, "latin1"), p).not.toContain(PASSWORD);
    expect(res.stdout).not.toContain(PASSWORD);
    expect(res.stderr).not.toContain(PASSWORD);
    expect(JSON.stringify(worker.lines)).not.toContain(PASSWORD);
    // The run's logs went through the queue executor and name the run once per line.
    expect(res.stderr).toMatch(/following the run through the queue/);
    expect(duplicateKeys(res.stderr, "runId")).toEqual([]);

    // What `lakehouse runs` shows of it, stored and queued.
    const listed = await lakehouse(["runs", "--output", out, "--queue", url, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).queued.some((r: { runId: string }) => r.runId === summary.runId)).toBe(
      true,
    );
    const shown = await lakehouse(["runs", "show", summary.runId, "--output", out, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    for (const r of [listed, shown]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 120_000);

  it("errors naming the queue mask its password: a wrong password, an unreachable Redis, an unknown run", async () => {
    const wrong = "wr0ngPW-71ab";
    const bad = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ ...KLINES, symbols: "BTCUSDT" }),
      "--output",
      tempDir("lh-queue-wrongpw-"),
      "--queue",
      `redis://:${wrong}@127.0.0.1:${redis.port}`,
      "--json",
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(bad.stdout + bad.stderr).not.toContain(wrong);

    const closed = await freePort();
    const down = await lakehouse([
      "cancel",
      "some-run",
      "--queue",
      `redis://:${PASSWORD}@127.0.0.1:${closed}`,
    ]);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/Cannot reach Redis/);
    expect(down.stdout + down.stderr).not.toContain(PASSWORD);

    const unknown = await lakehouse([
      "cancel",
      "no-such-run",
      "--queue",
      `redis://:${PASSWORD}@127.0.0.1:${redis.port}?queue=secrets`,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No run 'no-such-run'/);
    expect(unknown.stdout + unknown.stderr).not.toContain(PASSWORD);
  }, 60_000);
});
