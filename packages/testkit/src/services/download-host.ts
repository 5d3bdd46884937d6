// A plain HTTP file server standing in for the archive's download host (https://data.binance.vision/<key>):
// GET/HEAD of `<root>/<key>`, 404 NoSuchKey (S3's XML, as CloudFront passes it on) for anything else, no listing.
// It records each request, so tests can tell which host served what.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

export interface DownloadHost {
  /** `http://127.0.0.1:PORT`: objects are at `<endpoint>/<key>`. */
  endpoint: string;
  /** Request paths (with any query) in arrival order. */
  requests: string[];
  stop(): Promise<void>;
}

const NOT_FOUND =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';

/** Request handlers of Node's HTTP/1.1 server and of its HTTP/2 compatibility API (the TLS host's). */
type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/** Serves `<root>/<key>` for a GET or HEAD (Content-Length, Last-Modified), S3's 404 XML for anything else. */
export async function serveFile(root: string, req: Req, res: Res): Promise<void> {
  const url = new URL(req.url ?? "/", "http://host");
  const path = join(root, normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""));
  const info = url.search ? undefined : await stat(path).catch(() => undefined);
  if (!info?.isFile() || (req.method !== "GET" && req.method !== "HEAD")) {
    res.writeHead(404, { "content-type": "application/xml" });
    res.end(NOT_FOUND);
    return;
  }
  res.writeHead(200, {
    "content-length": info.size,
    "last-modified": info.mtime.toUTCString(),
    "content-type": "application/octet-stream",
  });
  if (req.method === "HEAD") res.end();
  else
    createReadStream(path)
      .on("error", () => res.destroy())
      .pipe(res as NodeJS.WritableStream);
}

export async function startDownloadHost(root: string): Promise<DownloadHost> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "/");
    void serveFile(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
