// Concurrency as the server sees it: it grows through a slow link, backs off on 503 SlowDown, never passes a
// user's cap, and a zip's .CHECKSUM is requested while the zip is still in flight. Real versitygw behind
// toxiproxy (latency) and a fault proxy (SlowDown answers, and when each request was open).
import { rm } from "node:fs/promises";
import type { FetchedFile, FetchResult } from "@crypto-lakehouse/core";
import { startToxiproxy, type Toxiproxy } from "@crypto-lakehouse/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSdkDownloader, type SdkDownloader } from "./index.js";
import {
  type ArchiveServer,
  BUCKET,
  DAYS,
  klineFile,
  NO_CHECKSUM_DAY,
  pageFile,
  startArchiveServer,
  tempDir,
} from "./test-support/archive.js";
import { type Fault, type FaultProxy, startFaultProxy } from "./test-support/fault-proxy.js";

let server: ArchiveServer;
let toxi: Toxiproxy;
const proxies: FaultProxy[] = [];
const open: SdkDownloader[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  [server, toxi] = await Promise.all([startArchiveServer(), startToxiproxy()]);
});
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await toxi?.stop();
  await server?.stop();
});

const PASS: Fault = { kind: "pass" };
const SLOW_DOWN: Fault = { kind: "status", status: 503, code: "SlowDown" };

/** versitygw ← fault proxy ← toxiproxy adding `latencyMs` ← the downloader. */
async function slowLink(name: string, latencyMs: number, decide: (url: string, nth: number) => Fault) {
  const proxy = await startFaultProxy(server.endpoint, decide);
  proxies.push(proxy);
  const link = await toxi.createProxy(name, proxy.endpoint.replace("http://", ""));
  await toxi.addToxic(link, { type: "latency", attributes: { latency: latencyMs } });
  return { proxy, endpoint: link.endpoint };
}

async function downloader(endpoint: string, concurrency?: number) {
  const d = createSdkDownloader(
    { endpoint, retries: 6, timeoutSeconds: 30, ...(concurrency ? { concurrency } : {}) },
    { backoffBaseMs: 2, backoffMaxMs: 20 },
  );
  open.push(d);
  const dir = await tempDir("dl-sdk-adaptive-");
  dirs.push(dir);
  return { d, dir };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const pages = (from: number, count: number) => Array.from({ length: count }, (_, i) => pageFile(from + i));
const statuses = (rs: FetchResult[]) => [...new Set(rs.map((r) => r.status))];

describe("adaptive concurrency (sdk downloader, http transport)", () => {
  it("grows through a slow link when no limit is set, and backs off when the server answers 503 SlowDown", async () => {
    let throttle = false;
    const { proxy, endpoint } = await slowLink("grow", 150, (_url, nth) =>
      throttle && nth === 1 ? SLOW_DOWN : PASS,
    );
    const { d, dir } = await downloader(endpoint);
    expect(d.concurrency()).toMatchObject({ adaptive: true, current: 8, max: 256 });

    expect(statuses(await all(d.fetch(pages(0, 400), dir, { withChecksum: false })))).toEqual(["fetched"]);
    const grown = d.concurrency();
    expect(grown.peak).toBeGreaterThan(8);
    // Seen at the server: more requests open at once than the 8 it started with.
    expect(proxy.maxInFlight).toBeGreaterThan(8);
    expect(grown.decreases).toBe(0);

    // Every object now answers SlowDown once: each file is retried and still fetched, and the limit is cut.
    throttle = true;
    expect(statuses(await all(d.fetch(pages(400, 300), dir, { withChecksum: false })))).toEqual(["fetched"]);
    const throttled = d.concurrency();
    expect(throttled.decreases).toBeGreaterThan(0);
    expect(throttled.current).toBeLessThan(grown.current);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(400 + 2 * 300);
  });

  it("never has more requests open at the server than the user's max_parallel_downloads, CHECKSUMs included", async () => {
    let throttle = false;
    const { proxy, endpoint } = await slowLink("cap", 100, (_url, nth) =>
      throttle && nth === 1 ? SLOW_DOWN : PASS,
    );
    const { d, dir } = await downloader(endpoint, 5);
    expect(d.concurrency()).toMatchObject({ adaptive: false, current: 5, max: 5 });
    const klines = DAYS.map((day) => klineFile("BTCUSDT", "1m", day));
    // Three fetch calls at once, as the executor's batches run them: they share the cap.
    const batches = [pages(0, 30), pages(100, 30), klines];
    const results = await Promise.all(
      batches.map((files) => all(d.fetch(files, dir, { withChecksum: true }))),
    );
    expect(results.flat()).toHaveLength(65);
    expect(statuses(results[2]!)).toEqual(["fetched"]);
    // Recovering after SlowDown answers does not pass the cap either.
    throttle = true;
    await all(d.fetch(pages(200, 30), dir, { withChecksum: true }));
    expect(d.concurrency().decreases).toBeGreaterThan(0);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(5);
    expect(proxy.maxInFlight).toBeGreaterThan(1);
    expect(d.concurrency().peak).toBeLessThanOrEqual(5);
  });

  it("requests a zip's .CHECKSUM while the zip is still in flight", async () => {
    const file = klineFile("BTCUSDT", "1m", DAYS.find((day) => day !== NO_CHECKSUM_DAY)!);
    const zipPath = `/${BUCKET}/${file.key}`;
    let checksumArrived!: () => void;
    const arrived = new Promise<void>((resolve) => {
      checksumArrived = resolve;
    });
    // The zip's answer waits for the CHECKSUM request (at most 3 s: a downloader that asks one after the other
    // then still finishes, and the spans below show it did).
    const proxy = await startFaultProxy(server.endpoint, (url) => {
      if (url === `${zipPath}.CHECKSUM`) checksumArrived();
      return url === zipPath
        ? { kind: "hold", until: Promise.race([arrived, new Promise<void>((r) => setTimeout(r, 3000))]) }
        : PASS;
    });
    proxies.push(proxy);
    const { d, dir } = await downloader(proxy.endpoint);
    const [r] = await all(d.fetch([file], dir, { withChecksum: true }));
    expect(r?.status).toBe("fetched");
    expect((r as FetchedFile).checksumText).toMatch(/^[0-9a-f]{64} {2}/);
    const zip = proxy.spans.find((s) => s.path === zipPath)!;
    const checksum = proxy.spans.find((s) => s.path === `${zipPath}.CHECKSUM`)!;
    // Both were open at the server at the same time: one round trip for the file, not two.
    expect(checksum.start).toBeLessThan(zip.end!);
    expect(zip.start).toBeLessThan(checksum.end!);
  });
});
