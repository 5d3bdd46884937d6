// A pass-through HTTP proxy in front of an S3 server (versitygw) that records each request (Range header, overlap), to observe
// what s5cmd really sends. It forwards everything unchanged; `holdMs` delays each request to make overlap visible.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  range?: string;
}

export interface ObservingProxy {
  endpoint: string;
  requests: SeenRequest[];
  /** Most object requests (GETs and HEADs of a key; listings not counted) that were open at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startObservingProxy(upstream: string, holdMs = 0): Promise<ObservingProxy> {
  const target = new URL(upstream);
  const state = { requests: [] as SeenRequest[], inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? "GET", url: req.url ?? "/" };
    if (typeof req.headers.range === "string") seen.range = req.headers.range;
    state.requests.push(seen);
    // A listing is `GET /bucket?list-type=2…`; object requests have a key and no query. s5cmd sends a HEAD,
    // then the GET(s), for each cp: a CHECKSUM that is missing gets only the HEAD.
    const isObject = (seen.method === "GET" || seen.method === "HEAD") && !seen.url.includes("?");
    if (isObject) state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = !isObject;
    const finish = () => {
      if (!done) state.inFlight--;
      done = true;
    };
    res.on("close", finish);
    setTimeout(() => {
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      req.pipe(up);
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
