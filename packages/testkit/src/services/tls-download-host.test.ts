// The TLS download host: serves files and S3's 404 over h2 and HTTP/1.1, counts each protocol, and its certificate
// verifies only for a client that trusts it.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:http2";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTlsDownloadHost, type TlsDownloadHost } from "./tls-download-host.js";

const KEY = "data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2024-01-01.zip";
const BODY = "zip bytes";

let dir: string;
let host: TlsDownloadHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-tls-host-"));
  await mkdir(join(dir, "data/spot/daily/trades/BTCUSDT"), { recursive: true });
  await writeFile(join(dir, KEY), BODY);
  host = await startTlsDownloadHost(dir);
});
afterAll(async () => {
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  length?: string;
  body: string;
}

function getH1(path: string, ca?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${host.endpoint}${path}`, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, length: res.headers["content-length"], body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function getH2(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = connect(host.endpoint, { ca: host.ca });
    session.on("error", reject);
    const stream = session.request({ ":path": path });
    let head: Record<string, unknown> = {};
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      head = h;
    });
    stream.on("data", (c: string) => {
      body += c;
    });
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(head[":status"]), length: head["content-length"] as string, body });
    });
    stream.on("error", reject);
  });
}

describe("startTlsDownloadHost", () => {
  it("serves a file with its length over h2 and over HTTP/1.1, and counts each", async () => {
    const before = { h2: host.byProtocol.h2.length, h1: host.byProtocol["http/1.1"].length };
    expect(await getH2(`/${KEY}`)).toEqual({ status: 200, length: String(BODY.length), body: BODY });
    expect(await getH1(`/${KEY}`, host.ca)).toEqual({ status: 200, length: String(BODY.length), body: BODY });
    expect(host.byProtocol.h2.slice(before.h2)).toEqual([`/${KEY}`]);
    expect(host.byProtocol["http/1.1"].slice(before.h1)).toEqual([`/${KEY}`]);
    expect(host.connections.h2).toBeGreaterThanOrEqual(1);
    expect(host.connections["http/1.1"]).toBeGreaterThanOrEqual(1);
  });

  it("answers a missing key with S3's 404 NoSuchKey", async () => {
    const r = await getH2("/data/spot/daily/trades/BTCUSDT/missing.zip");
    expect(r.status).toBe(404);
    expect(r.body).toContain("<Code>NoSuchKey</Code>");
  });

  it("is refused by a client that does not trust its certificate", async () => {
    await expect(getH1(`/${KEY}`)).rejects.toThrow(/certificate/i);
  });
});
