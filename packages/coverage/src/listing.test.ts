// The archive listing cache: one listing per folder, reused while fresh, listed again when stale, damaged or of
// another archive; without a store nothing is cached.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RemoteEntry } from "@crypto-lakehouse/core";
import { createLocalStorage } from "@crypto-lakehouse/storage-local";
import { afterAll, describe, expect, it } from "vitest";
import { archiveSource, ListingCache, listingCacheKey } from "./listing.js";

const root = mkdtempSync(join(tmpdir(), "lh-listing-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const prefix = "data/spot/daily/klines/BTCUSDT/1d/";

function archive() {
  const calls: string[] = [];
  let size = 100;
  const lister = async function* (p: string): AsyncGenerator<RemoteEntry> {
    calls.push(p);
    yield { kind: "object", key: `${p}BTCUSDT-1d-2025-01-01.zip`, size, etag: "abc" };
    yield { kind: "object", key: `${p}BTCUSDT-1d-2025-01-01.zip.CHECKSUM`, size: 90 };
    yield { kind: "prefix", prefix: `${p}sub/` };
  };
  return { calls, lister, grow: () => (size += 1) };
}

describe("ListingCache", () => {
  it("lists a folder once, answers from _meta/listing/ while fresh, and lists again when stale", async () => {
    const storage = createLocalStorage({ root });
    const a = archive();
    let now = 1_000_000;
    const cache = () =>
      new ListingCache(storage, a.lister, { source: "s1", maxAgeMs: 60_000, now: () => now });
    const first = await cache().folder(prefix);
    expect(first).toMatchObject({ cached: false, folders: ["sub"] });
    expect(first.objects.map((o) => [o.name, o.size])).toEqual([
      ["BTCUSDT-1d-2025-01-01.zip", 100],
      ["BTCUSDT-1d-2025-01-01.zip.CHECKSUM", 90],
    ]);
    expect(await storage.head(listingCacheKey(prefix))).toBeDefined();
    a.grow();
    now += 59_000;
    const c = cache();
    const second = await c.folder(prefix);
    expect(second.cached).toBe(true);
    expect(second.objects[0]).toMatchObject({ size: 100, etag: "abc" });
    expect(c.stats).toEqual({ listed: 0, cached: 1 });
    expect(a.calls).toHaveLength(1);
    now += 2_000;
    const third = await cache().folder(prefix);
    expect(third).toMatchObject({ cached: false });
    expect(third.objects[0]!.size).toBe(101);
    expect(a.calls).toHaveLength(2);
  });

  it("does not use another archive's listing or a damaged one, and caches nothing without a store", async () => {
    const storage = createLocalStorage({ root });
    const a = archive();
    await new ListingCache(storage, a.lister, { source: "s1" }).folder(prefix);
    expect((await new ListingCache(storage, a.lister, { source: "s2" }).folder(prefix)).cached).toBe(false);
    await storage.put(listingCacheKey(prefix), { data: "{not json" });
    expect((await new ListingCache(storage, a.lister, { source: "s2" }).folder(prefix)).cached).toBe(false);
    const noStore = new ListingCache(undefined, a.lister, { source: "s2" });
    await noStore.folder(prefix);
    await noStore.folder(prefix);
    expect(noStore.stats).toEqual({ listed: 2, cached: 0 });
  });
});

describe("archiveSource", () => {
  it("never carries an endpoint's password into the cache it identifies", () => {
    const source = archiveSource({
      endpoint: "http://key:s3cr3t-pw@127.0.0.1:9000",
      bucket: "data.binance.vision",
    });
    expect(source).not.toContain("s3cr3t-pw");
    expect(source).toContain("127.0.0.1:9000");
    expect(source.endsWith("/data.binance.vision")).toBe(true);
  });
});
