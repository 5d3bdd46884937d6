// The download host over TLS, speaking HTTP/2 and HTTP/1.1 (ALPN), as CloudFront does for data.binance.vision:
// the same files and 404s as `startDownloadHost`, with a self-signed certificate made at start-up. It counts requests
// and connections per protocol, so tests can tell whether a client used h2. Clients trust the certificate through
// `caFile` (e.g. NODE_EXTRA_CA_CERTS for a child process) or `ca`; nothing turns TLS verification off.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createSecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { type DownloadHost, serveFile } from "./download-host.js";

export type HttpProtocol = "h2" | "http/1.1";

export interface TlsDownloadHost extends DownloadHost {
  /** `https://127.0.0.1:PORT`: objects are at `<endpoint>/<key>`. */
  endpoint: string;
  /** The certificate (PEM), valid for 127.0.0.1 and localhost: a client's trusted CA. */
  ca: string;
  /** The certificate in a file, for NODE_EXTRA_CA_CERTS; removed by `stop()`. */
  caFile: string;
  /** Request paths per protocol, in arrival order (`requests` holds them all). */
  byProtocol: Record<HttpProtocol, string[]>;
  /** TLS connections per negotiated protocol. */
  connections: Record<HttpProtocol, number>;
}

/** A certificate for 127.0.0.1 and localhost (EC P-256: made in milliseconds, unlike an RSA key). */
async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export async function startTlsDownloadHost(root: string): Promise<TlsDownloadHost> {
  const { key, cert } = await selfSignedCertificate();
  const dir = mkdtempSync(join(tmpdir(), "lh-tls-host-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, cert);
  const requests: string[] = [];
  const byProtocol: Record<HttpProtocol, string[]> = { h2: [], "http/1.1": [] };
  const connections: Record<HttpProtocol, number> = { h2: 0, "http/1.1": 0 };
  const sockets = new Set<TLSSocket>();
  const server = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    const url = req.url ?? "/";
    requests.push(url);
    byProtocol[req.httpVersionMajor === 2 ? "h2" : "http/1.1"].push(url);
    void serveFile(root, req, res);
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    connections[socket.alpnProtocol === "h2" ? "h2" : "http/1.1"]++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: cert,
    caFile,
    requests,
    byProtocol,
    connections,
    stop: () =>
      new Promise<void>((resolve) => {
        // h2 sessions and HTTP/1.1 keep-alive connections would hold close() open: end them.
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
