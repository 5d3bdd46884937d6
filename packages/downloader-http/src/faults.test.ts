// Retry policy and cancellation under injected faults: versitygw stays real, a proxy in front of it misbehaves.
import { readdir, readFile, rm } from "node:fs/promises";
import { type FetchedFile, type FetchResult, isLakehouseError } from "@crypto-lakehouse/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSdkDownloader, type SdkDownloader } from "./index.js";
import {
  type ArchiveServer,
  BUCKET,
  DAYS,
  KLINES_1M,
  klineFile,
  pageFile,
  sha256,
  startArchiveServer,
  tempDir,
} from "./test-support/archive.js";
import { type Fault, type FaultProxy, startFaultProxy } from "./test-support/fault-proxy.js";

let server: ArchiveServer;
let proxy: FaultProxy | undefined;
const open: SdkDownloader[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await startArchiveServer();
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  await proxy?.close();
  proxy = undefined;
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await server?.stop();
});

const PASS: Fault = { kind: "pass" };
const file = klineFile("BTCUSDT", "1m", DAYS[0]!);
const zipUrl = `/${BUCKET}/${file.key}`;

async function setup(
  transport: "http" | "sdk",
  decide: (url: string, nth: number) => Fault,
  settings: { concurrency?: number; retries?: number; timeoutSeconds?: number } = {},
) {
  proxy = await startFaultProxy(server.endpoint, decide);
  const d = createSdkDownloader(
    { endpoint: proxy.endpoint, concurrency: 2, retries: 3, timeoutSeconds: 30, ...settings },
    { transport, backoffBaseMs: 2, backoffMaxMs: 20 },
  );
  open.push(d);
  const dir = await tempDir("dl-sdk-faults-");
  dirs.push(dir);
  return { d, dir, proxy };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe.each(["http", "sdk"] as const)("faults (transport %s)", (transport) => {
  it("retries 503 SlowDown and succeeds", async () => {
    const { d, dir, proxy } = await setup(transport, (url, nth) =>
      url === zipUrl && nth <= 2 ? { kind: "status", status: 503, code: "SlowDown" } : PASS,
    );
    const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("fetched");
    expect(r?.attempts).toBe(3);
    expect((r as FetchedFile).sha256).toBe(sha256(server.objects.get(file.key)!));
    expect(proxy.requests.filter((u) => u === zipUrl).length).toBe(3);
  });

  it("retries a truncated body and stages the full file", async () => {
    const { d, dir } = await setup(transport, (url, nth) =>
      url === zipUrl && nth === 1 ? { kind: "truncate" } : PASS,
    );
    const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("fetched");
    const f = r as FetchedFile;
    const source = server.objects.get(file.key)!;
    expect(f.attempts).toBe(2);
    expect(f.size).toBe(source.length);
    expect(f.sha256).toBe(sha256(source));
    expect((await readFile(f.zipPath)).equals(source)).toBe(true);
    expect(await readdir(dir)).toEqual([f.zipPath.slice(dir.length + 1)]);
  });

  it("retries a truncated small body and delivers it from memory, staging nothing", async () => {
    const small = klineFile("BTCUSDT", "1m", DAYS[1]!);
    const { d, dir } = await setup(transport, (url, nth) =>
      url === `/${BUCKET}/${small.key}` && nth === 1 ? { kind: "truncate" } : PASS,
    );
    const [r] = await collect(d.fetch([small], dir, { withChecksum: true }));
    expect(r?.status).toBe("fetched");
    const f = r as FetchedFile;
    const source = server.objects.get(small.key)!;
    expect(f.attempts).toBe(2);
    expect(f.sha256).toBe(sha256(source));
    expect(f.zipBytes?.equals(source)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each(["stall", "hang"] as const)(
    "times out a %s (no data within timeoutSeconds) and retries",
    async (kind) => {
      const { d, dir } = await setup(
        transport,
        (url, nth) => (url === zipUrl && nth === 1 ? { kind } : PASS),
        {
          timeoutSeconds: 1,
        },
      );
      const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
      expect(r?.status).toBe("fetched");
      expect(r?.attempts).toBe(2);
      expect((r as FetchedFile).sha256).toBe(sha256(server.objects.get(file.key)!));
    },
  );

  it("gives up after the retries on connection resets and leaves no staging file", async () => {
    const { d, dir, proxy } = await setup(transport, (url) => (url === zipUrl ? { kind: "reset" } : PASS), {
      retries: 2,
    });
    const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.attempts).toBe(3);
    expect(r.error.retryable).toBe(true);
    expect(r.error.code).toBe("DOWNLOAD_FAILED");
    expect(r.error.message.startsWith(`${file.key}: `)).toBe(true);
    expect(proxy.requests.filter((u) => u === zipUrl).length).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails the file (and deletes its staged zip) when its CHECKSUM keeps failing", async () => {
    const { d, dir } = await setup(
      transport,
      (url) => (url === `${zipUrl}.CHECKSUM` ? { kind: "status", status: 500, code: "InternalError" } : PASS),
      { retries: 1 },
    );
    const [r] = await collect(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("error");
    if (r?.status !== "error") return;
    expect(r.error.message).toBe(`${file.key}.CHECKSUM: HTTP 500 InternalError: injected`);
    expect(r.error.retryable).toBe(true);
    expect(r.attempts).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it("yields finished files while another is still in flight, never exceeding the concurrency", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const files = Array.from({ length: 12 }, (_, i) => pageFile(i));
    const heldUrl = `/${BUCKET}/${files[0]!.key}`;
    const { d, dir, proxy } = await setup(
      transport,
      (url) => (url === heldUrl ? { kind: "hold", until: held } : PASS),
      { concurrency: 3 },
    );
    const order: string[] = [];
    for await (const r of d.fetch(files, dir, { withChecksum: true })) {
      order.push(r.file.key);
      expect(r.status).toBe("fetched");
      // Every other file is out while the first is still held by the proxy.
      if (order.length === files.length - 1) release();
    }
    expect(order.length).toBe(files.length);
    expect(order.at(-1)).toBe(files[0]!.key);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(3);
  });

  it("aborts mid-body: throws CANCELLED and removes the partial staging file", async () => {
    const { d, dir } = await setup(transport, (url) => (url === zipUrl ? { kind: "stall" } : PASS));
    const controller = new AbortController();
    let bytes = 0;
    const received: FetchResult[] = [];
    const error = await (async () => {
      for await (const r of d.fetch([file], dir, {
        withChecksum: true,
        signal: controller.signal,
        onBytes: (n) => {
          bytes += n;
          controller.abort();
        },
      })) {
        received.push(r);
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakehouseError(error, "CANCELLED")).toBe(true);
    expect(bytes).toBeGreaterThan(0);
    expect(received).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("listing under faults", () => {
  const isList = (path: string) => path === `/${BUCKET}` || path === `/${BUCKET}/`;

  it("retries a 503 page", async () => {
    const { d, proxy } = await setup("http", (url, nth) =>
      isList(url) && nth === 1 ? { kind: "status", status: 503, code: "SlowDown" } : PASS,
    );
    const entries = await collect(d.list(KLINES_1M));
    expect(entries.length).toBe([...server.objects.keys()].filter((k) => k.startsWith(KLINES_1M)).length);
    expect(proxy.requests.filter(isList).length).toBe(2);
  });

  it("fails with a retryable error when every attempt fails", async () => {
    const { d } = await setup(
      "http",
      (url) => (isList(url) ? { kind: "status", status: 500, code: "InternalError" } : PASS),
      {
        retries: 1,
      },
    );
    const error = await collect(d.list(KLINES_1M)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakehouseError(error, "DOWNLOAD_FAILED")).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as Error).message).toContain("HTTP 500 InternalError");
  });
});
