// Test helper: an HTTP proxy in front of versitygw that injects S3-style faults per request (503s, resets,
// truncated and stalled bodies, held responses) and records how many requests were in flight at once, and when
// each one was open.
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "pass" }
  /** An S3 XML error answer. */
  | { kind: "status"; status: number; code: string }
  /** Close the connection without answering. */
  | { kind: "reset" }
  /** Full headers (Content-Length), half the body, then close the connection. */
  | { kind: "truncate" }
  /** Full headers, half the body, then nothing until the proxy closes. */
  | { kind: "stall" }
  /** Never answer (until the proxy closes). */
  | { kind: "hang" }
  /** Forward only once `until` resolves. */
  | { kind: "hold"; until: Promise<void> };

/** When a request was open at the proxy (ms, performance.now()); `end` once its answer is done or cut. */
export interface Span {
  path: string;
  start: number;
  end?: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Request paths (without query) in arrival order. */
  requests: string[];
  spans: Span[];
  maxInFlight: number;
  /** Requests open now. */
  inFlight: number;
  close(): Promise<void>;
}

/** `decide(path, nth)`: `path` is the URL path without the query (the SDK adds `?x-id=…`); nth counts from 1 per path. */
export async function startFaultProxy(
  target: string,
  decide: (url: string, nth: number) => Fault,
): Promise<FaultProxy> {
  const counts = new Map<string, number>();
  const state: FaultProxy = {
    endpoint: "",
    requests: [],
    spans: [],
    maxInFlight: 0,
    inFlight: 0,
    close: async () => {},
  };

  const forward = (req: IncomingMessage, res: ServerResponse, fault: Fault) => {
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        if (fault.kind !== "truncate" && fault.kind !== "stall") {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const body = Buffer.concat(chunks);
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
            if (fault.kind === "truncate") res.socket?.destroy();
          });
        });
      },
    );
    upstream.on("error", () => res.socket?.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy").pathname;
    state.requests.push(url);
    const nth = (counts.get(url) ?? 0) + 1;
    counts.set(url, nth);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const span: Span = { path: url, start: performance.now() };
    state.spans.push(span);
    res.on("close", () => {
      state.inFlight--;
      span.end = performance.now();
    });
    const fault = decide(url, nth);
    switch (fault.kind) {
      case "status":
        res.writeHead(fault.status, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`,
        );
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        return;
      case "hold":
        void fault.until.then(() => forward(req, res, fault));
        return;
      default:
        forward(req, res, fault);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
