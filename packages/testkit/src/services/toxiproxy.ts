// Starts a real toxiproxy server on 127.0.0.1 and drives it through a small typed client over its HTTP API.
import { LakehouseError } from "@crypto-lakehouse/core";
import { findTool, spawnService, startOnFreePort, waitUntilReady } from "@crypto-lakehouse/replica";

export type ToxicStream = "upstream" | "downstream";

/** Toxic attributes by type (toxiproxy units: ms, KB/s, bytes, µs for slicer delay). */
export interface ToxicAttributes {
  /** Delay every chunk by `latency` ± `jitter` ms. */
  latency: { latency: number; jitter?: number };
  /** Reset the connection (TCP RST) after `timeout` ms (0 = at once). */
  reset_peer: { timeout: number };
  /** Stop all data and close after `timeout` ms (0 = hold the connection open until the toxic is removed). */
  timeout: { timeout: number };
  /** Limit throughput to `rate` KB/s. */
  bandwidth: { rate: number };
  /** Close the connection after `bytes` bytes have passed. */
  limit_data: { bytes: number };
  /** Cut data into pieces of `average_size` ± `size_variation` bytes, `delay` µs apart. */
  slicer: { average_size: number; size_variation?: number; delay?: number };
}

export type ToxicType = keyof ToxicAttributes;

export type ToxicSpec = {
  [T in ToxicType]: {
    type: T;
    attributes: ToxicAttributes[T];
    /** Default `${type}_${stream}` (toxiproxy's own default). */
    name?: string;
    /** Default "downstream" (server → client). */
    stream?: ToxicStream;
    /** Probability 0..1 that a connection gets the toxic; default 1. */
    toxicity?: number;
  };
}[ToxicType];

export interface Toxic {
  name: string;
  type: ToxicType;
  stream: ToxicStream;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ProxyInfo {
  name: string;
  /** `127.0.0.1:PORT` the proxy listens on. */
  listen: string;
  /** `http://127.0.0.1:PORT`, to use as a client endpoint. */
  endpoint: string;
  port: number;
  upstream: string;
  enabled: boolean;
}

export interface Toxiproxy {
  /** Base URL of the control API, `http://127.0.0.1:PORT`. */
  apiUrl: string;
  port: number;
  /** A proxy from a free port (or `listenPort`) to `upstream` (`127.0.0.1:PORT`). */
  createProxy(name: string, upstream: string, options?: { listenPort?: number }): Promise<ProxyInfo>;
  getProxy(proxy: string | ProxyInfo): Promise<ProxyInfo>;
  deleteProxy(proxy: string | ProxyInfo): Promise<void>;
  addToxic(proxy: string | ProxyInfo, toxic: ToxicSpec): Promise<Toxic>;
  removeToxic(proxy: string | ProxyInfo, toxicName: string): Promise<void>;
  /** Removes every toxic of the proxy and enables it again. */
  resetProxy(proxy: string | ProxyInfo): Promise<void>;
  /** Closes the listener and every connection: the server "goes away" (connections are refused). */
  disableProxy(proxy: string | ProxyInfo): Promise<void>;
  /** Listens again on the same address: the server "comes back". */
  enableProxy(proxy: string | ProxyInfo): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

interface RawProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics?: Toxic[];
}

function toProxyInfo(raw: RawProxy): ProxyInfo {
  const port = Number(raw.listen.slice(raw.listen.lastIndexOf(":") + 1));
  return {
    name: raw.name,
    listen: raw.listen,
    endpoint: `http://127.0.0.1:${port}`,
    port,
    upstream: raw.upstream,
    enabled: raw.enabled,
  };
}

const nameOf = (proxy: string | ProxyInfo) => (typeof proxy === "string" ? proxy : proxy.name);

function client(apiUrl: string) {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    let res: Response;
    try {
      res = await fetch(`${apiUrl}${path}`, init);
    } catch (e) {
      throw new LakehouseError(
        "NETWORK",
        `toxiproxy API ${method} ${apiUrl}${path} failed: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      throw new LakehouseError(
        "INTERNAL",
        `toxiproxy API ${method} ${path} answered ${res.status}: ${text.trim() || res.statusText}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** Starts `toxiproxy-server` on a free 127.0.0.1 port; `stop()` it when done (test-process exit kills it too). */
export async function startToxiproxy(
  options: { port?: number; startTimeoutMs?: number } = {},
): Promise<Toxiproxy> {
  const binary = findTool("toxiproxy-server");
  const { port, value: svc } = await startOnFreePort(options.port, async (p) => {
    const s = spawnService(`toxiproxy:${p}`, binary, ["-host", "127.0.0.1", "-port", String(p)]);
    await waitUntilReady(s, async () => (await fetch(`http://127.0.0.1:${p}/version`)).ok, {
      timeoutMs: options.startTimeoutMs ?? 20_000,
    });
    return s;
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  const call = client(apiUrl);
  const path = (proxy: string | ProxyInfo) => `/proxies/${encodeURIComponent(nameOf(proxy))}`;
  const setEnabled = async (proxy: string | ProxyInfo, enabled: boolean) => {
    await call<RawProxy>("POST", path(proxy), { enabled });
  };

  return {
    apiUrl,
    port,
    async createProxy(name, upstream, opts = {}) {
      const raw = await call<RawProxy>("POST", "/proxies", {
        name,
        upstream,
        listen: `127.0.0.1:${opts.listenPort ?? 0}`,
        enabled: true,
      });
      return toProxyInfo(raw);
    },
    async getProxy(proxy) {
      return toProxyInfo(await call<RawProxy>("GET", path(proxy)));
    },
    async deleteProxy(proxy) {
      await call("DELETE", path(proxy));
    },
    async addToxic(proxy, toxic) {
      const stream = toxic.stream ?? "downstream";
      return call<Toxic>("POST", `${path(proxy)}/toxics`, {
        name: toxic.name ?? `${toxic.type}_${stream}`,
        type: toxic.type,
        stream,
        toxicity: toxic.toxicity ?? 1,
        attributes: toxic.attributes,
      });
    },
    async removeToxic(proxy, toxicName) {
      await call("DELETE", `${path(proxy)}/toxics/${encodeURIComponent(toxicName)}`);
    },
    async resetProxy(proxy) {
      const toxics = await call<Toxic[]>("GET", `${path(proxy)}/toxics`);
      for (const t of toxics) await call("DELETE", `${path(proxy)}/toxics/${encodeURIComponent(t.name)}`);
      await setEnabled(proxy, true);
    },
    disableProxy: (proxy) => setEnabled(proxy, false),
    enableProxy: (proxy) => setEnabled(proxy, true),
    output: () => svc.output(),
    stop: () => svc.stop(),
  };
}
