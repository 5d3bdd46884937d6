// Real toxiproxy in front of real versitygw: latency adds delay, reset_peer and a disabled proxy make requests fail.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVersitygw, type VersityGw } from "@crypto-lakehouse/replica";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProxyInfo, startToxiproxy, type Toxiproxy } from "./toxiproxy.js";

const BUCKET = "data.binance.vision";
const KEY = "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-06.zip";
const BODY = "funding rate bytes";

let dir: string;
let gw: VersityGw;
let toxi: Toxiproxy;
let proxy: ProxyInfo;

/** One GET on a fresh connection (no keep-alive pool), so every request meets the proxy's current state. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-toxi-"));
  await mkdir(join(dir, "root", BUCKET, "data/futures/um/monthly/fundingRate/BTCUSDT"), { recursive: true });
  await writeFile(join(dir, "root", BUCKET, KEY), BODY);
  [gw, toxi] = await Promise.all([
    startVersitygw({ root: join(dir, "root"), publicReadBuckets: [BUCKET] }),
    startToxiproxy(),
  ]);
  proxy = await toxi.createProxy("s3", `127.0.0.1:${gw.port}`);
});

afterAll(async () => {
  await Promise.all([toxi?.stop(), gw?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("startToxiproxy", () => {
  it("proxies to versitygw on its own 127.0.0.1 port", async () => {
    expect(proxy.listen).toBe(`127.0.0.1:${proxy.port}`);
    expect(proxy.endpoint).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(proxy.port).not.toBe(gw.port);
    expect(await get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).toEqual({ status: 200, body: BODY });
  });

  it("adds delay with a latency toxic and stops adding it once removed", async () => {
    const toxic = await toxi.addToxic(proxy, { type: "latency", attributes: { latency: 400 } });
    expect(toxic).toMatchObject({ name: "latency_downstream", type: "latency", stream: "downstream" });
    const t0 = performance.now();
    expect((await get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).body).toBe(BODY);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    await toxi.removeToxic(proxy, toxic.name);
    expect((await get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).status).toBe(200);
  });

  it("makes requests fail with reset_peer until the proxy is reset", async () => {
    await toxi.addToxic(proxy, { type: "reset_peer", attributes: { timeout: 0 } });
    await expect(get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    await toxi.resetProxy(proxy);
    expect((await get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).status).toBe(200);
  });

  it("truncates a response with limit_data", async () => {
    await toxi.addToxic(proxy, { type: "limit_data", attributes: { bytes: 50 } });
    const outcome = await get(`${proxy.endpoint}/${BUCKET}/${KEY}`).then(
      (r) => r.body,
      (e: Error) => e.message,
    );
    expect(outcome).not.toBe(BODY);
    await toxi.resetProxy(proxy);
  });

  it("refuses connections while disabled and serves again on the same address once enabled", async () => {
    await toxi.disableProxy(proxy);
    expect((await toxi.getProxy(proxy)).enabled).toBe(false);
    await expect(get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).rejects.toThrow(/ECONNREFUSED/);
    await toxi.enableProxy(proxy);
    const again = await toxi.getProxy(proxy);
    expect(again.listen).toBe(proxy.listen);
    expect(await get(`${proxy.endpoint}/${BUCKET}/${KEY}`)).toEqual({ status: 200, body: BODY });
  });

  it("reports API errors with the toxiproxy message", async () => {
    await expect(toxi.removeToxic(proxy, "no_such_toxic")).rejects.toThrow(/answered 404/);
    await expect(toxi.createProxy("s3", "127.0.0.1:1")).rejects.toThrow(/answered 409/);
  });
});
