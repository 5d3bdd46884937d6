// A plain HTTP file server standing in for the archive's download host (https://data.binance.vision/<key>):
// GET/HEAD of `<root>/<key>`, 404 NoSuchKey (S3's XML, as CloudFront passes it on) for anything else, no listing.
// It records each request, so tests can tell which host served what.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
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

export async function startDownloadHost(root: string): Promise<DownloadHost> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    requests.push(req.url ?? "/");
    const url = new URL(req.url ?? "/", "http://host");
    const path = join(root, normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""));
    const info = url.search ? undefined : await stat(path).catch(() => undefined);
    if (!info?.isFile() || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "application/xml" }).end(NOT_FOUND);
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
        .pipe(res);
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
