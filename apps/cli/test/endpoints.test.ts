// Listings and objects from two different servers, as with the real archive (S3 API for listings, the download
// host for objects): versitygw behind an observing proxy lists, a plain HTTP file server serves the zips.
import { join } from "node:path";
import {
  type DownloadHost,
  type ObservingProxy,
  startDownloadHost,
  startObservingProxy,
} from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { BUCKET, type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

let replica: ServedReplica;
let host: DownloadHost;
let listing: ObservingProxy;

beforeAll(async () => {
  replica = await serveSmallFiles(40, 1, 4);
  [host, listing] = await Promise.all([
    startDownloadHost(join(replica.dir, BUCKET)),
    startObservingProxy(replica.endpoint),
  ]);
});
afterAll(async () => {
  await listing?.close();
  await host?.stop();
  await replica?.stop();
});

const selection = ["--market", "spot", "--symbols", "SMALL*", "--data-types", "trades"];
const day = ["--start", "2023-07-01", "--end", "2023-07-01"];

describe("collect with a listing endpoint and an object endpoint", () => {
  it("lists through the S3 endpoint and downloads every zip and .CHECKSUM from the object host", async () => {
    const out = tempDir("lh-endpoints-");
    const files = replica.manifest.files.filter((f) => f.bench === "small");
    const r = await lakehouse([
      "collect",
      ...selection,
      ...day,
      "--listing-endpoint",
      listing.endpoint,
      "--object-endpoint",
      host.endpoint,
      "--output",
      out,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.counts.downloaded).toBe(files.length);
    expect(walk(join(out, "bronze")).filter((p) => p.endsWith(".zip"))).toHaveLength(files.length);
    // The glob was resolved by listing the S3 endpoint, which served nothing else.
    expect(listing.requests.length).toBeGreaterThan(0);
    expect(listing.requests.every((q) => q.url.includes("list-type=2"))).toBe(true);
    // Each zip and its .CHECKSUM came from the object host, once each: no HEAD, no listing there.
    const got = host.requests.filter((u) => u.startsWith("/data/"));
    expect(got).toHaveLength(2 * files.length);
    expect(new Set(got)).toEqual(new Set(files.flatMap((f) => [`/${f.key}`, `/${f.key}.CHECKSUM`])));
    // No limit was set: the summary says the concurrency adapted, and how far.
    expect(summary.concurrency).toMatchObject({ adaptive: true, max: 256 });
    expect(summary.concurrency.peak).toBeGreaterThanOrEqual(8);
  });

  it("rejects an object endpoint that is not a URL, naming the flag", async () => {
    const r = await lakehouse(["collect", ...selection, ...day, "--object-endpoint", "data.binance.vision"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--object-endpoint: 'data.binance.vision' is not a valid URL");
  });
});
