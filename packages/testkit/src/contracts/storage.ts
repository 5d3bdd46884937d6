// The storage contract suite: vitest cases every StorageBackend (local, s3, …) must pass.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StorageBackend } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  byteSorted,
  collect,
  hashStream,
  rejection,
  scratchDir,
  sha256,
  streamToBuffer,
  writeLargeFile,
} from "./storage-fixtures.js";

export interface StorageContractSetup {
  /** A working store, empty or at least without keys under `contract/`. */
  storage: StorageBackend;
  /** Removes everything the suite created (objects, folders, buckets, processes). */
  cleanup(): Promise<void>;
  /** Damages the stored bytes of `key` behind the backend's back (for verify tests); same size or not. */
  corrupt?(key: string): Promise<void>;
  /** A store of the same kind that cannot be written (read-only folder, wrong credentials, missing bucket). */
  unwritable?: () => Promise<StorageBackend>;
}

export interface StorageContractOptions {
  /** Size of the big streamed file (default 64 MiB). */
  largeFileBytes?: number;
}

const MiB = 1024 * 1024;

/** Registers the storage contract cases for one backend; `setup` runs once before them, `cleanup` after. */
export function describeStorageContract(
  name: string,
  setup: () => Promise<StorageContractSetup>,
  options: StorageContractOptions = {},
): void {
  const largeBytes = options.largeFileBytes ?? 64 * MiB;

  describe(`storage contract: ${name}`, () => {
    let ctx: StorageContractSetup;
    let storage: StorageBackend;
    let scratch: Awaited<ReturnType<typeof scratchDir>>;
    let large: { path: string; sha256: string } | undefined;
    let n = 0;
    /** A fresh key folder per case, so cases never see each other's objects. */
    const area = () => `contract/case-${++n}-${randomBytes(3).toString("hex")}/`;
    const largeFile = async () => {
      if (large === undefined) {
        const path = join(scratch.dir, "large.bin");
        large = { path, sha256: await writeLargeFile(path, largeBytes) };
      }
      return large;
    };

    beforeAll(async () => {
      scratch = await scratchDir();
      ctx = await setup();
      storage = ctx.storage;
    });
    afterAll(async () => {
      await storage?.close?.();
      await ctx?.cleanup();
      await scratch?.dispose();
    });

    it("identifies itself", () => {
      expect(storage.kind).toBe("storage");
      expect(storage.id).toMatch(/\S/);
      expect(storage.location).toMatch(/\S/);
    });

    it("checkWritable succeeds, twice, leaving no visible object (and rejects on setup.unwritable)", async () => {
      const before = (await collect(storage.list(""))).map((o) => o.key);
      await storage.checkWritable();
      await storage.checkWritable();
      const after = (await collect(storage.list(""))).map((o) => o.key);
      expect(after).toEqual(before);

      if (ctx.unwritable === undefined) return;
      const bad = await ctx.unwritable();
      try {
        const e = await rejection(() => bad.checkWritable(), ["PERMISSION_DENIED", "STORAGE_FAILED"]);
        expect(e.message).toContain(bad.location);
      } finally {
        await bad.close?.();
      }
    });

    it("round-trips data through put, head, list, read and get (and sees setup.corrupt damage)", async () => {
      const key = `${area()}BTCUSDT-1m-2025-07-15.zip`;
      const data = randomBytes(100_000);
      const stored = await storage.put(key, { data });
      expect(stored.key).toBe(key);
      expect(stored.size).toBe(data.length);

      const head = await storage.head(key);
      expect(head?.key).toBe(key);
      expect(head?.size).toBe(data.length);
      expect(head?.lastModified).toBeInstanceOf(Date);

      expect((await storage.read(key))?.equals(data)).toBe(true);
      expect((await streamToBuffer(await storage.get(key))).equals(data)).toBe(true);
      const listed = await collect(storage.list(key.slice(0, key.lastIndexOf("/") + 1)));
      expect(listed.map((o) => [o.key, o.size])).toEqual([[key, data.length]]);

      const local = storage.localPath?.(key);
      if (local !== undefined) expect((await readFile(local)).equals(data)).toBe(true);

      if (ctx.corrupt === undefined) return;
      await ctx.corrupt(key);
      const damaged = await storage.read(key);
      expect(damaged).toBeDefined();
      expect(damaged?.equals(data)).toBe(false);
    });

    it("stores a string as UTF-8 and an empty object", async () => {
      const dir = area();
      const text = '{"run":"r1","note":"Ünïcödé ✓"}\n';
      expect((await storage.put(`${dir}record.json`, { data: text })).size).toBe(Buffer.byteLength(text));
      expect((await storage.read(`${dir}record.json`))?.toString("utf8")).toBe(text);

      await storage.put(`${dir}empty`, { data: new Uint8Array(0) });
      expect((await storage.head(`${dir}empty`))?.size).toBe(0);
      expect((await storage.read(`${dir}empty`))?.length).toBe(0);
      expect((await streamToBuffer(await storage.get(`${dir}empty`))).length).toBe(0);
    });

    it("puts from a local file and leaves the source in place", async () => {
      const key = `${area()}from-path.zip`;
      const data = randomBytes(300_000);
      const src = join(scratch.dir, "source.zip");
      await writeFile(src, data);
      const stored = await storage.put(key, { path: src });
      expect(stored.size).toBe(data.length);
      expect((await storage.read(key))?.equals(data)).toBe(true);
      expect((await readFile(src)).equals(data)).toBe(true);
    });

    it("puts a consumed file (the backend may move it) into a new folder and over an existing key", async () => {
      const dir = area();
      for (const [i, size] of [200_000, 1_000].entries()) {
        const data = randomBytes(size);
        const src = join(scratch.dir, `consumed-${i}.zip`);
        await writeFile(src, data);
        const stored = await storage.put(`${dir}new/folder/consumed.zip`, { path: src, consume: true });
        expect(stored.size).toBe(data.length);
        expect((await storage.read(`${dir}new/folder/consumed.zip`))?.equals(data)).toBe(true);
      }
      expect((await collect(storage.list(`${dir}new/`))).map((o) => o.key)).toEqual([
        `${dir}new/folder/consumed.zip`,
      ]);
    });

    it("overwrites: a shorter second put replaces the content entirely", async () => {
      const key = `${area()}overwrite.bin`;
      await storage.put(key, { data: randomBytes(50_000) });
      const second = randomBytes(1_000);
      await storage.put(key, { data: second });
      expect((await storage.head(key))?.size).toBe(second.length);
      expect((await storage.read(key))?.equals(second)).toBe(true);
      expect((await collect(storage.list(key))).map((o) => o.size)).toEqual([second.length]);
    });

    it("reports a missing key: head and read undefined, get rejects NOT_FOUND", async () => {
      const key = `${area()}missing.zip`;
      expect(await storage.head(key)).toBeUndefined();
      expect(await storage.read(key)).toBeUndefined();
      const e = await rejection(() => storage.get(key), ["NOT_FOUND"]);
      expect(e.message).toContain(key);
    });

    it("lists a missing prefix as empty", async () => {
      expect(await collect(storage.list(`${area()}nothing/here/`))).toEqual([]);
      expect(await collect(storage.list(`${area()}nothing`))).toEqual([]);
    });

    it("lists recursively, in byte order, with S3 prefix semantics", async () => {
      const dir = area();
      const names = ["a-b.zip", "a/x.zip", "a/y/z.zip", "a.zip", "a.zip.CHECKSUM", "B.zip", "b/0.zip", "ab"];
      const keys = names.map((k) => dir + k);
      // Put in a scrambled order so a backend cannot pass by listing in creation order.
      for (const k of [...keys].reverse()) await storage.put(k, { data: k });
      const all = await collect(storage.list(dir));
      expect(all.map((o) => o.key)).toEqual(byteSorted(keys));
      for (const o of all) expect(o.size).toBe(Buffer.byteLength(o.key));
      // A prefix is a string prefix, not a folder: `a` matches a.zip, a-b.zip, ab and a/…
      expect((await collect(storage.list(`${dir}a`))).map((o) => o.key)).toEqual(
        byteSorted(keys.filter((k) => k.startsWith(`${dir}a`))),
      );
      expect((await collect(storage.list(`${dir}a/`))).map((o) => o.key)).toEqual([
        `${dir}a/x.zip`,
        `${dir}a/y/z.zip`,
      ]);
      expect((await collect(storage.list(`${dir}a.zip`))).map((o) => o.key)).toEqual([
        `${dir}a.zip`,
        `${dir}a.zip.CHECKSUM`,
      ]);
    });

    it("streams a large file from disk and back (sha256 equal)", async () => {
      const big = await largeFile();
      const key = `${area()}large.bin`;
      expect((await storage.put(key, { path: big.path })).size).toBe(largeBytes);
      expect((await storage.head(key))?.size).toBe(largeBytes);
      expect(await hashStream(await storage.get(key))).toEqual({ sha256: big.sha256, size: largeBytes });
    }, 180_000);

    it("never shows an object while it is being written", async () => {
      const big = await largeFile();
      const dir = area();
      const key = `${dir}in-progress.bin`;
      let done = false;
      const put = storage.put(key, { path: big.path }).finally(() => {
        done = true;
      });
      // Observe while the put runs: only the final key may ever appear, and only complete.
      while (!done) {
        for (const o of await collect(storage.list(dir))) {
          expect(o.key).toBe(key);
          expect(o.size).toBe(largeBytes);
        }
        const h = await storage.head(key);
        if (h !== undefined) expect(h.size).toBe(largeBytes);
      }
      await put;
      expect((await collect(storage.list(dir))).map((o) => o.key)).toEqual([key]);
    }, 180_000);

    it("handles 20 concurrent puts of different keys", async () => {
      const dir = area();
      const items = Array.from({ length: 20 }, (_, i) => ({
        key: `${dir}${String(i).padStart(2, "0")}/file-${i}.bin`,
        data: randomBytes(10_000 + i * 997),
      }));
      const stored = await Promise.all(items.map((x) => storage.put(x.key, { data: x.data })));
      expect(stored.map((s) => s.size)).toEqual(items.map((x) => x.data.length));
      const listed = await collect(storage.list(dir));
      expect(listed.map((o) => [o.key, o.size])).toEqual(items.map((x) => [x.key, x.data.length]));
      for (const x of items) expect(sha256((await storage.read(x.key)) ?? "")).toBe(sha256(x.data));
    });

    it("concurrent puts of one key leave exactly one complete version", async () => {
      const key = `${area()}contended.bin`;
      const versions = Array.from({ length: 5 }, (_, i) => Buffer.alloc(MiB + i * 4096, i + 1));
      await Promise.all(versions.map((data) => storage.put(key, { data })));
      const final = await storage.read(key);
      expect(versions.some((v) => final?.equals(v))).toBe(true);
      expect((await collect(storage.list(key))).length).toBe(1);
    });

    it("group puts (durability: group) return visible and complete, from data and consumed files; flush resolves", async () => {
      const dir = area();
      const group = { durability: "group" } as const;
      const items = Array.from({ length: 10 }, (_, i) => ({
        key: `${dir}g${i % 3}/file-${i}.zip`,
        data: randomBytes(2_000 + i * 101),
      }));
      const src = join(scratch.dir, "grouped-consumed.zip");
      const consumed = randomBytes(150_000);
      await writeFile(src, consumed);
      await Promise.all([
        ...items.map(async (x) => {
          expect((await storage.put(x.key, { data: x.data }, group)).size).toBe(x.data.length);
          // Visible the moment the put returns, whole.
          expect((await storage.read(x.key))?.equals(x.data)).toBe(true);
        }),
        storage.put(`${dir}moved.zip`, { path: src, consume: true }, group),
      ]);
      await storage.flush?.();
      const listed = await collect(storage.list(dir));
      expect(listed.map((o) => o.key)).toEqual(byteSorted([...items.map((x) => x.key), `${dir}moved.zip`]));
      expect((await storage.read(`${dir}moved.zip`))?.equals(consumed)).toBe(true);
    });

    it("keeps put metadata when head returns metadata", async () => {
      const key = `${area()}with-meta.zip`;
      const data = randomBytes(1000);
      await storage.put(
        key,
        { data },
        { metadata: { sha256: sha256(data) }, contentType: "application/zip" },
      );
      const head = await storage.head(key);
      expect(head?.size).toBe(data.length);
      // Backends may not keep metadata (the pipeline's _meta/ records hold it); when they do, it must be right.
      if (head?.metadata !== undefined) expect(head.metadata.sha256).toBe(sha256(data));
    });

    it("deletes idempotently", async () => {
      const dir = area();
      await storage.put(`${dir}keep.zip`, { data: "keep" });
      await storage.put(`${dir}gone.zip`, { data: "gone" });
      await storage.delete(`${dir}gone.zip`);
      expect(await storage.head(`${dir}gone.zip`)).toBeUndefined();
      expect(await storage.read(`${dir}gone.zip`)).toBeUndefined();
      await storage.delete(`${dir}gone.zip`);
      await storage.delete(`${dir}never-existed.zip`);
      expect((await collect(storage.list(dir))).map((o) => o.key)).toEqual([`${dir}keep.zip`]);
    });

    it("rejects keys that could escape the store", async () => {
      const bad = [
        "../escape.zip",
        "contract/../../escape.zip",
        "/abs/escape.zip",
        "contract//b.zip",
        "contract/./b.zip",
        "",
      ];
      for (const key of bad) {
        const e = await rejection(() => storage.put(key, { data: "x" }), ["STORAGE_FAILED"]);
        if (key !== "") expect(e.message).toContain(key);
      }
      const key = "../escape.zip";
      await rejection(() => storage.head(key), ["STORAGE_FAILED"]);
      await rejection(() => storage.read(key), ["STORAGE_FAILED"]);
      await rejection(() => storage.get(key), ["STORAGE_FAILED"]);
      await rejection(() => storage.delete(key), ["STORAGE_FAILED"]);
      await rejection(() => collect(storage.list("../")), ["STORAGE_FAILED"]);
    });
  });
}
