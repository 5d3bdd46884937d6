// HTTP/2 to an HTTPS download host (as data.binance.vision offers it): listings from versitygw, objects from a TLS
// host speaking h2 and HTTP/1.1 with a self-signed certificate the CLI trusts through NODE_EXTRA_CA_CERTS (TLS
// verification stays on). The downloader option `http2` decides which protocol carries the zips and .CHECKSUMs.
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { startTlsDownloadHost, type TlsDownloadHost } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { BUCKET, type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

let replica: ServedReplica;
let host: TlsDownloadHost;

beforeAll(async () => {
  replica = await serveReplica({
    markets: ["spot"],
    dataTypes: ["aggTrades"],
    start: "2023-07-01",
    end: "2023-07-01",
    smallFiles: { count: 30, minKb: 1, maxKb: 4 },
  });
  host = await startTlsDownloadHost(join(replica.dir, BUCKET));
});
afterAll(async () => {
  await host?.stop();
  await replica?.stop();
});

const small = () => replica.manifest.files.filter((f) => f.bench === "small");

/** Collects the small files with `downloader` in a config file; returns the run and what the host served. */
async function collectFromTlsHost(downloader: Record<string, unknown>, env: Record<string, string>) {
  const out = tempDir("lh-http2-");
  const config = join(out, "config.json");
  writeFileSync(config, JSON.stringify({ downloader }));
  const seen = { h2: host.byProtocol.h2.length, h1: host.byProtocol["http/1.1"].length };
  const r = await lakehouse(
    [
      ...["collect", "--config", config, "--market", "spot", "--symbols", "SMALL*", "--data-types", "trades"],
      ...["--start", "2023-07-01", "--end", "2023-07-01", "--listing-endpoint", replica.endpoint],
      ...["--object-endpoint", host.endpoint, "--output", out, "--json"],
    ],
    { env },
  );
  return {
    r,
    out,
    h2: host.byProtocol.h2.slice(seen.h2),
    h1: host.byProtocol["http/1.1"].slice(seen.h1),
  };
}

/** Every small file is in bronze, byte for byte the replica's. */
function expectStored(out: string): void {
  const stored = new Map(
    walk(join(out, "bronze"))
      .filter((p) => p.endsWith(".zip"))
      .map((p) => [basename(p), p]),
  );
  expect(stored.size).toBe(small().length);
  for (const f of small()) {
    const path = stored.get(basename(f.key));
    expect(path, f.key).toBeDefined();
    expect(sha256(path as string)).toBe(sha256(join(replica.dir, BUCKET, f.key)));
  }
}

const wanted = () => new Set(small().flatMap((f) => [`/${f.key}`, `/${f.key}.CHECKSUM`]));

describe("collect from an HTTPS download host that offers HTTP/2", () => {
  it("with http2: true, every zip and .CHECKSUM comes over h2, verified and stored", async () => {
    const { r, out, h2, h1 } = await collectFromTlsHost(
      { kind: "http", http2: true },
      { NODE_EXTRA_CA_CERTS: host.caFile },
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.counts.downloaded).toBe(small().length);
    expect(summary.counts.failed ?? 0).toBe(0);
    expect(new Set(h2)).toEqual(wanted());
    expect(h2).toHaveLength(2 * small().length);
    expect(h1).toEqual([]);
    expectStored(out);
  });

  it("by default (http2 unset), the same files come over HTTP/1.1", async () => {
    const { r, out, h2, h1 } = await collectFromTlsHost(
      { kind: "http" },
      { NODE_EXTRA_CA_CERTS: host.caFile },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).counts.downloaded).toBe(small().length);
    expect(new Set(h1)).toEqual(wanted());
    expect(h1).toHaveLength(2 * small().length);
    expect(h2).toEqual([]);
    expectStored(out);
  });

  it("verifies the host's certificate: untrusted, nothing is downloaded", async () => {
    const { r, out, h2, h1 } = await collectFromTlsHost({ kind: "http", http2: true, backoffMaxMs: 10 }, {});
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/certificate/i);
    expect([...h2, ...h1]).toEqual([]);
    expect(walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"))).toEqual([]);
  });
});
