// The s5cmd downloader under real network faults: toxiproxy between s5cmd and versitygw.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchedFile, FetchResult, Logger } from "@crypto-lakehouse/core";
import { type ProxyInfo, s5cmdPath, startToxiproxy, type Toxiproxy } from "@crypto-lakehouse/testkit";
import {
  CONTRACT_BUCKET,
  CONTRACT_DAYS,
  type ContractArchive,
  contractKlineFile,
  startContractArchive,
} from "@crypto-lakehouse/testkit/contracts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createS5cmdDownloader } from "./index.js";

let archive: ContractArchive;
let toxi: Toxiproxy;
let proxy: ProxyInfo;
let binary: string;
const dirs: string[] = [];
const big = contractKlineFile("spot", "1m", CONTRACT_DAYS[0]!); // 3 MiB + 123 bytes

beforeAll(async () => {
  binary = s5cmdPath();
  archive = await startContractArchive();
  toxi = await startToxiproxy();
});
let n = 0;
// A fresh proxy per case: removing a bandwidth toxic from a link cut mid-body stalls toxiproxy for 5 s.
beforeEach(async () => {
  proxy = await toxi.createProxy(`s3-${++n}`, archive.endpoint.replace("http://", ""));
});
afterEach(async () => {
  await toxi.deleteProxy(proxy);
});
afterAll(async () => {
  await toxi?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await archive?.stop();
});

async function staging(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "dl-s5cmd-faults-"));
  dirs.push(d);
  return d;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** s5cmd processes this test process started that are still alive. */
function liveS5cmdChildren(): number[] {
  const pids: number[] = [];
  for (const entry of execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")) {
    const [pid, comm] = entry.trim().split(/\s+/);
    if (comm === "s5cmd") pids.push(Number(pid));
  }
  return pids;
}

const debugLogger = (onDebug: (msg: string) => void): Logger => {
  const logger: Logger = { debug: onDebug, info() {}, warn() {}, error() {}, child: () => logger };
  return logger;
};

function downloader(settings: { retries?: number; timeoutSeconds?: number } = {}, logger?: Logger) {
  return createS5cmdDownloader(
    {
      endpoint: proxy.endpoint,
      bucket: CONTRACT_BUCKET,
      region: "us-east-1",
      retries: 1,
      timeoutSeconds: 10,
      ...settings,
    },
    { binary, backoffBaseMs: 5, backoffMaxMs: 20, progressIntervalMs: 100 },
    logger ? { logger } : {},
  );
}

describe("s5cmd downloader through toxiproxy", () => {
  it("stops a hung s5cmd after timeout_seconds without progress, retries, then reports the timeout", async () => {
    // The request never reaches the server: s5cmd (which has no timeouts of its own) would wait for ever.
    await toxi.addToxic(proxy, { type: "timeout", stream: "upstream", attributes: { timeout: 0 } });
    const d = await downloader({ retries: 1, timeoutSeconds: 1 });
    const dir = await staging();
    const [r] = await collect(d.fetch([big], dir, { withChecksum: true }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.attempts).toBe(2);
    expect(r.error.retryable).toBe(true);
    expect(r.error.message).toMatch(/timed out: no progress for 1 s/);
    expect(liveS5cmdChildren()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("never delivers a truncated body: retries it, then reports unexpected EOF", async () => {
    await toxi.addToxic(proxy, { type: "limit_data", attributes: { bytes: 200_000 } });
    const d = await downloader({ retries: 1 });
    const dir = await staging();
    const [r] = await collect(d.fetch([big], dir, { withChecksum: false }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.attempts).toBe(2);
    expect(r.error.retryable).toBe(true);
    expect(r.error.message).toMatch(/unexpected EOF|EOF/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("succeeds on the retry round once the fault is gone, with exact bytes", async () => {
    await toxi.addToxic(proxy, { type: "limit_data", attributes: { bytes: 200_000 } });
    let rounds = 0;
    const logger = debugLogger((msg) => {
      if (msg !== "retrying downloads") return;
      rounds++;
      // Synchronously, so the toxic is gone before the next round starts.
      execFileSync(process.execPath, [
        "-e",
        `fetch(${JSON.stringify(`${toxi.apiUrl}/proxies/${proxy.name}/toxics/limit_data_downstream`)}, { method: "DELETE" }).then((r) => process.exit(r.ok ? 0 : 1))`,
      ]);
    });
    const d = await downloader({ retries: 2 }, logger);
    const dir = await staging();
    const [r] = await collect(d.fetch([big], dir, { withChecksum: true }));
    expect(rounds).toBe(1);
    expect(r?.status).toBe("fetched");
    const f = r as FetchedFile;
    expect(f.attempts).toBe(2);
    expect((await readFile(f.zipPath)).equals(archive.objects.get(big.key)!)).toBe(true);
    expect(f.checksumText).toBe(archive.objects.get(`${big.key}.CHECKSUM`)!.toString());
  });

  it("reports a connection reset mid-body as a retryable failure, staging nothing", async () => {
    await toxi.addToxic(proxy, { type: "bandwidth", attributes: { rate: 512 } });
    await toxi.addToxic(proxy, { type: "reset_peer", attributes: { timeout: 300 } });
    const d = await downloader({ retries: 0 });
    const dir = await staging();
    const [r] = await collect(d.fetch([big], dir, { withChecksum: false }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.error.message).toMatch(/connection reset|EOF/);
    expect(r.error.retryable).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports bytes while a slow body streams and kills s5cmd on abort", async () => {
    await toxi.addToxic(proxy, { type: "bandwidth", attributes: { rate: 256 } });
    const d = await downloader({ retries: 0 });
    const dir = await staging();
    const controller = new AbortController();
    let bytes = 0;
    const results: FetchResult[] = [];
    const run = async () => {
      const it = d.fetch([big], dir, {
        withChecksum: false,
        signal: controller.signal,
        onBytes: (n) => {
          bytes += n;
          // Live progress: part of the body reported while s5cmd is still writing its temp file.
          if (bytes >= 100_000) controller.abort();
        },
      });
      for await (const r of it) results.push(r);
    };
    await expect(run()).rejects.toMatchObject({ code: "CANCELLED" });
    expect(results).toEqual([]);
    expect(bytes).toBeGreaterThanOrEqual(100_000);
    expect(bytes).toBeLessThan(archive.objects.get(big.key)!.length);
    expect(liveS5cmdChildren()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
