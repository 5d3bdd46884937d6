// The sdk downloader against a real versitygw serving a small archive tree: listing, fetching, 404s, abort.
import { readdir, readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import {
  type FetchedFile,
  type FetchResult,
  isLakehouseError,
  type RemoteEntry,
} from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSdkDownloader, type SdkDownloader, sdkDownloader } from "./index.js";
import {
  type ArchiveServer,
  BUCKET,
  DAYS,
  KLINES_1M,
  klineFile,
  MISSING_DAY,
  md5,
  NO_CHECKSUM_DAY,
  PAGE_COUNT,
  PAGE_PREFIX,
  PRIVATE_BUCKET,
  pageFile,
  sha256,
  startArchiveServer,
  tempDir,
} from "./test-support/archive.js";

let server: ArchiveServer;
const open: SdkDownloader[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await startArchiveServer();
});
afterAll(async () => {
  for (const d of open) await d.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await server?.stop();
});

function downloader(
  settings: Parameters<typeof createSdkDownloader>[0] = {},
  options: Parameters<typeof createSdkDownloader>[1] = {},
) {
  const d = createSdkDownloader(
    { endpoint: server.endpoint, concurrency: 4, retries: 2, ...settings },
    {
      backoffBaseMs: 5,
      // These tests look at staging files; bodies kept in memory have their own tests (faults, contract).
      inMemoryMaxKb: 0,
      ...options,
    },
  );
  open.push(d);
  return d;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function staging(): Promise<string> {
  const d = await tempDir("dl-sdk-staging-");
  dirs.push(d);
  return d;
}

const name = (e: RemoteEntry) => (e.kind === "object" ? e.key : e.prefix);

describe("list", () => {
  it("with the default delimiter yields sub-folders as prefixes", async () => {
    const entries = await collect(downloader().list("data/spot/daily/klines/BTCUSDT/"));
    expect(entries).toEqual([
      { kind: "prefix", prefix: "data/spot/daily/klines/BTCUSDT/1h/" },
      { kind: "prefix", prefix: "data/spot/daily/klines/BTCUSDT/1m/" },
    ]);
  });

  it("yields objects with size and lastModified, zip before its CHECKSUM", async () => {
    const entries = await collect(downloader().list(KLINES_1M));
    const keys = entries.map(name);
    const expected = [...server.objects.keys()].filter((k) => k.startsWith(KLINES_1M)).sort();
    expect(keys).toEqual(expected);
    expect(keys[0]).toBe(`${KLINES_1M}BTCUSDT-1m-2025-07-01.zip`);
    expect(keys[1]).toBe(`${KLINES_1M}BTCUSDT-1m-2025-07-01.zip.CHECKSUM`);
    for (const e of entries) {
      if (e.kind !== "object") throw new Error(`unexpected prefix ${name(e)}`);
      expect(e.size).toBe(server.objects.get(e.key)!.length);
      expect(e.lastModified).toBeInstanceOf(Date);
      // The server sends the quoted MD5; the entry carries it without quotes.
      expect(e.etag).toBe(md5(server.objects.get(e.key)!));
    }
  });

  it("with delimiter '' lists recursively", async () => {
    const entries = await collect(downloader().list("data/spot/daily/klines/BTCUSDT/", { delimiter: "" }));
    expect(entries.every((e) => e.kind === "object")).toBe(true);
    expect(entries.map(name)).toEqual(
      [...server.objects.keys()].filter((k) => k.startsWith("data/spot/daily/klines/BTCUSDT/")).sort(),
    );
  });

  it("treats a missing prefix as an empty listing", async () => {
    expect(await collect(downloader().list("data/spot/daily/klines/NOSUCHSYMBOL/"))).toEqual([]);
  });

  it.each([1000, 250])("follows continuation tokens past 1000 keys (page size %i)", async (listPageSize) => {
    const pages: number[] = [];
    const logger = {
      debug: (msg: string, f?: Record<string, unknown>) =>
        msg === "listed page" && pages.push(f?.entries as number),
      info() {},
      warn() {},
      error() {},
      child: () => logger,
    };
    const d = createSdkDownloader({ endpoint: server.endpoint }, { listPageSize }, { logger });
    open.push(d);
    const entries = await collect(d.list(PAGE_PREFIX));
    expect(entries.length).toBe(PAGE_COUNT);
    expect(new Set(entries.map(name)).size).toBe(PAGE_COUNT);
    expect(entries.map(name)).toEqual(Array.from({ length: PAGE_COUNT }, (_, i) => pageFile(i).key));
    expect(pages.length).toBe(Math.ceil(PAGE_COUNT / listPageSize));
    expect(pages.every((n) => n <= listPageSize)).toBe(true);
  });

  it("stops with CANCELLED when its signal aborts", async () => {
    const controller = new AbortController();
    const seen: RemoteEntry[] = [];
    const run = async () => {
      for await (const e of downloader().list(PAGE_PREFIX, { signal: controller.signal })) {
        seen.push(e);
        if (seen.length === 10) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "CANCELLED" });
    expect(seen.length).toBe(10);
    await expect(
      collect(downloader().list(KLINES_1M, { signal: AbortSignal.abort() })),
    ).rejects.toMatchObject({
      code: "CANCELLED",
    });
  });

  it("reports a bucket that does not exist", async () => {
    const run = collect(downloader({ bucket: "no-such-bucket" }).list("data/"));
    await expect(run).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reports a bucket that does not allow anonymous listing", async () => {
    const run = collect(downloader({ bucket: PRIVATE_BUCKET }).list("data/"));
    await expect(run).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
  });
});

describe.each(["http", "sdk"] as const)("fetch (transport %s)", (transport) => {
  const files = [...DAYS, MISSING_DAY].map((day) => klineFile("BTCUSDT", "1m", day));

  it("streams each zip into a staging file with sha256/md5/size and the CHECKSUM text", async () => {
    const dir = await staging();
    let progress = 0;
    const results = await collect(
      downloader({}, { transport }).fetch(files, dir, {
        withChecksum: true,
        onBytes: (n) => (progress += n),
      }),
    );
    expect(results.length).toBe(files.length);
    const byKey = new Map(results.map((r) => [r.file.key, r]));
    let total = 0;
    for (const day of DAYS) {
      const f = klineFile("BTCUSDT", "1m", day);
      const r = byKey.get(f.key) as FetchedFile;
      const source = server.objects.get(f.key)!;
      total += source.length;
      expect(r.status).toBe("fetched");
      expect(r.file).toEqual(f);
      expect(r.size).toBe(source.length);
      expect(r.sha256).toBe(sha256(source));
      expect(r.attempts).toBe(1);
      expect(r.etag).toBe(md5(source));
      expect(r.lastModified).toBeInstanceOf(Date);
      expect(r.zipPath.startsWith(dir)).toBe(true);
      expect(r.zipPath.endsWith(`-BTCUSDT-1m-${day}.zip.part`)).toBe(true);
      expect((await readFile(r.zipPath)).equals(source)).toBe(true);
      if (day === NO_CHECKSUM_DAY) {
        expect(r.checksumMissing).toBe(true);
        expect(r.checksumText).toBeUndefined();
      } else {
        expect(r.checksumMissing).toBeFalsy();
        expect(r.checksumText).toBe(server.objects.get(`${f.key}.CHECKSUM`)!.toString());
        expect(r.checksumText!.split(/\s+/)[0]).toBe(r.sha256);
      }
    }
    const missing = byKey.get(klineFile("BTCUSDT", "1m", MISSING_DAY).key)!;
    expect(missing).toEqual({ status: "not_found", file: files.at(-1), attempts: 1 });
    expect(progress).toBe(total);
    // Only the fetched files are staged: nothing left behind for the 404.
    const staged = (await readdir(dir)).sort();
    expect(staged.length).toBe(DAYS.length);
    expect(staged).toEqual(
      results
        .filter((r): r is FetchedFile => r.status === "fetched")
        .map((r) => r.zipPath.slice(dir.length + 1))
        .sort(),
    );
  });

  it("skips the CHECKSUM when not asked for it", async () => {
    const dir = await staging();
    const [r] = await collect(
      downloader({}, { transport }).fetch(files.slice(0, 1), dir, { withChecksum: false }),
    );
    expect(r?.status).toBe("fetched");
    expect((r as FetchedFile).checksumText).toBeUndefined();
    expect((r as FetchedFile).checksumMissing).toBeUndefined();
  });

  it("fetches every file with the concurrency setting, each under its own staging name", async () => {
    const dir = await staging();
    const many = Array.from({ length: 60 }, (_, i) => pageFile(i));
    const results = await collect(
      downloader({ concurrency: 3 }, { transport }).fetch(many, dir, { withChecksum: true }),
    );
    expect(results.map((r) => r.status)).toEqual(many.map(() => "fetched"));
    expect(new Set(results.map((r) => r.file.key))).toEqual(new Set(many.map((f) => f.key)));
    for (const r of results as FetchedFile[]) {
      expect(r.checksumMissing).toBe(true);
      expect((await readFile(r.zipPath)).equals(server.objects.get(r.file.key)!)).toBe(true);
    }
    expect((await readdir(dir)).length).toBe(many.length);
  });

  it("gives a non-retryable error after one attempt when access is denied", async () => {
    const dir = await staging();
    const d = downloader({ bucket: PRIVATE_BUCKET }, { transport });
    const [r] = await collect(d.fetch(files.slice(0, 1), dir, { withChecksum: true }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.attempts).toBe(1);
    expect(r.error.code).toBe("DOWNLOAD_FAILED");
    expect(r.error.retryable).toBe(false);
    expect(r.error.message).toMatch(new RegExp(`^${files[0]!.key}: HTTP 403 AccessDenied`));
    expect(await readdir(dir)).toEqual([]);
  });

  it("stops on abort: throws CANCELLED and leaves only the files it handed out", async () => {
    const dir = await staging();
    const controller = new AbortController();
    const many = Array.from({ length: 200 }, (_, i) => pageFile(i));
    const received: FetchResult[] = [];
    const run = async () => {
      for await (const r of downloader({ concurrency: 4 }, { transport }).fetch(many, dir, {
        withChecksum: false,
        signal: controller.signal,
      })) {
        received.push(r);
        if (received.length === 3) controller.abort();
      }
    };
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakehouseError(error, "CANCELLED")).toBe(true);
    expect(received.length).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(
      (received as FetchedFile[]).map((r) => r.zipPath.slice(dir.length + 1)).sort(),
    );
  });

  it("throws CANCELLED at once for an already aborted signal", async () => {
    const dir = await staging();
    const run = collect(
      downloader({}, { transport }).fetch(files, dir, { withChecksum: true, signal: AbortSignal.abort() }),
    );
    await expect(run).rejects.toMatchObject({ code: "CANCELLED" });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("an unreachable endpoint", () => {
  async function closedPort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
  }

  it.each(["http", "sdk"] as const)(
    "gives a retryable network error after the retries (%s)",
    async (transport) => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const dir = await staging();
      const d = downloader({ endpoint, retries: 2 }, { transport, backoffBaseMs: 1, backoffMaxMs: 5 });
      const results = await collect(
        d.fetch([klineFile("BTCUSDT", "1m", DAYS[0]!)], dir, { withChecksum: true }),
      );
      expect(results.length).toBe(1);
      const r = results[0]!;
      expect(r.status).toBe("error");
      if (r.status !== "error") return;
      expect(r.attempts).toBe(3);
      expect(r.error.code).toBe("DOWNLOAD_FAILED");
      expect(r.error.retryable).toBe(true);
      expect(r.error.message).toContain("connection refused");
      expect(r.error.message.startsWith(`${r.file.key}: `)).toBe(true);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it("fails a listing with a retryable error", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const d = downloader({ endpoint, retries: 1 }, { backoffBaseMs: 1, backoffMaxMs: 5 });
    const error = await collect(d.list("data/")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakehouseError(error, "DOWNLOAD_FAILED")).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as Error).message).toContain("connection refused");
  });
});

describe("plugin", () => {
  it("is the 'http' downloader (formerly 'sdk'), defaults to the real archive and validates its options", async () => {
    expect(sdkDownloader.id).toBe("http");
    expect(sdkDownloader.kind).toBe("downloader");
    const d = createSdkDownloader();
    open.push(d);
    expect(d.settings).toMatchObject({
      endpoint: "https://s3-ap-northeast-1.amazonaws.com",
      bucket: BUCKET,
      region: "ap-northeast-1",
    });
    expect(sdkDownloader.optionsSchema!.safeParse({ transport: "ftp" }).success).toBe(false);
    expect(() => createSdkDownloader({}, { listPageSize: 5000 })).toThrow(/listPageSize/);
    expect(() => createSdkDownloader({ concurrency: 0 })).toThrow(/concurrency/);
  });
});
