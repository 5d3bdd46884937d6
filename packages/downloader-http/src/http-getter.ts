// GETs objects over plain unsigned path-style HTTP with undici: measured faster than the SDK for small zips.
import type { Readable } from "node:stream";
import { undici } from "./libraries.js";
import { httpError } from "./transfer-error.js";
import { type ObjectGetter, parseDate, unquoteEtag } from "./transport.js";

export interface HttpGetterConfig {
  /** Objects are at `<objectEndpoint>/<key>`: a download host, or `<S3 endpoint>/<bucket>` (path style). */
  objectEndpoint: string;
  /** Keep-alive connections to the host: one per request in flight. */
  connections: number;
  timeoutMs: number;
  /** Offer HTTP/2 to HTTPS hosts (one connection then carries many requests). */
  http2?: boolean;
}

/** `<base>/<key>`; each key segment is percent-encoded, the slashes kept. */
export function objectUrl(base: string, key: string): string {
  // Archive keys are plain ASCII: encoding each segment (split, map, join per request) showed in profiles.
  const path = SAFE_KEY.test(key) ? key : key.split("/").map(encodeURIComponent).join("/");
  return `${base.replace(/\/+$/, "")}/${path}`;
}

/** Keys that need no percent-encoding. */
const SAFE_KEY = /^[A-Za-z0-9._~/-]*$/;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads at most `limit` bytes of an error body (S3 XML), then drops the rest. */
async function readErrorBody(body: Readable, limit = 16 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= limit) break;
    }
  } catch {
    // The status line already tells what went wrong; the body is only a nicety.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString("utf8", 0, Math.min(n, limit));
}

function xmlTag(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** Body bytes undici may buffer before it pauses the connection (see the request below). */
export const BODY_BUFFER_BYTES = 8 * 1024 * 1024;

export function createHttpGetter(config: HttpGetterConfig): ObjectGetter {
  const agent = new undici.Agent({
    connections: config.connections,
    ...(config.http2 ? { allowH2: true } : {}),
    keepAliveTimeout: 30_000,
    connect: { timeout: config.timeoutMs },
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
  return {
    async get(key, signal) {
      const res = await undici.request(objectUrl(config.objectEndpoint, key), {
        method: "GET",
        dispatcher: agent,
        signal,
        // undici 7 crashes the process (an uncatchable assert, nodejs/undici#5360, fixed only in undici 8 which
        // needs Node 22) when a server closes the connection while the body is paused for backpressure. A body
        // buffer larger than what the stager ever leaves unread keeps the parser from pausing.
        highWaterMark: BODY_BUFFER_BYTES,
      });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const xml = await readErrorBody(res.body);
        throw httpError(res.statusCode, xmlTag(xml, "Code"), xmlTag(xml, "Message"));
      }
      const length = header(res.headers, "content-length");
      return {
        body: res.body,
        ...(length !== undefined ? { contentLength: Number(length) } : {}),
        etag: unquoteEtag(header(res.headers, "etag")),
        lastModified: parseDate(header(res.headers, "last-modified")),
      };
    },
    async close() {
      await agent.destroy();
    },
  };
}
