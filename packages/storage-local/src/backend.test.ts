// Local-only behaviour: crash leftovers, failure cleanup, unwritable roots, symlinks and lazy listing.
import { mkdir, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isLakehouseError, type LakehouseError } from "@crypto-lakehouse/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempPathFor } from "./atomic.js";
import { cleanupTemp, createLocalStorage, type LocalStorageBackend } from "./index.js";
import { scratch, unwritableRoot } from "./test-util.js";

async function caught(run: () => Promise<unknown>): Promise<LakehouseError> {
  try {
    await run();
  } catch (e) {
    if (isLakehouseError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

async function keys(storage: LocalStorageBackend, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out;
}

let tmp: Awaited<ReturnType<typeof scratch>>;
let storage: LocalStorageBackend;
beforeEach(async () => {
  tmp = await scratch();
  storage = createLocalStorage({ root: join(tmp.dir, "lake") });
});
afterEach(() => tmp.dispose());

describe("checkWritable", () => {
  it("creates a missing nested root", async () => {
    const deep = createLocalStorage({ root: join(tmp.dir, "a", "b", "lake") });
    await deep.checkWritable();
    expect(await readdir(deep.root)).toEqual([]);
  });

  it("says PERMISSION_DENIED with the exact message where the root cannot be created", async () => {
    const root = await unwritableRoot(tmp.dir);
    const e = await caught(() => createLocalStorage({ root }).checkWritable());
    expect(e.code).toBe("PERMISSION_DENIED");
    expect(e.message).toBe(`Permission denied writing to output directory: ${root}`);
  });

  it("says CONFIG_INVALID (bad input) when a parent of the root is a regular file", async () => {
    const file = join(tmp.dir, "not-a-folder");
    await writeFile(file, "x");
    const root = join(file, "lake");
    const e = await caught(() => createLocalStorage({ root }).checkWritable());
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toContain(`Cannot write to output directory: ${root}`);
    expect(e.details.join(" ")).toMatch(/is an existing file, not a folder/);
  });

  it("fails (instead of hanging like recursive mkdir) where mkdir keeps answering ENOENT", async () => {
    if (process.platform !== "linux") throw new Error("needs Linux procfs");
    const root = "/proc/self/lakehouse-output";
    const e = await caught(() => createLocalStorage({ root }).checkWritable());
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toContain(root);
  });
});

describe("crash safety", () => {
  it("a put that died before its rename leaves nothing under the final name and nothing listed", async () => {
    const key = "bronze/spot/klines/daily/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip";
    const finalPath = storage.localPath(key);
    await mkdir(dirname(finalPath), { recursive: true });
    // Exactly what put writes before its rename: a partial temp file beside the final name.
    const temp = tempPathFor(finalPath);
    await writeFile(temp, Buffer.alloc(4096, 7));

    expect(await storage.head(key)).toBeUndefined();
    expect(await storage.read(key)).toBeUndefined();
    expect((await caught(() => storage.get(key))).code).toBe("NOT_FOUND");
    expect(await keys(storage)).toEqual([]);
    expect(await keys(storage, "bronze/spot/klines/daily/BTCUSDT/1m/BTCUSDT-1m")).toEqual([]);

    // The next run's put of the same key works despite the leftover, and only the key is listed.
    await storage.put(key, { data: "complete" });
    expect(await keys(storage)).toEqual([key]);
    expect((await storage.read(key))?.toString()).toBe("complete");
  });

  it("cleanupTemp removes stale leftovers under a prefix, spares fresh ones and real objects", async () => {
    await storage.put("bronze/a/x.zip", { data: "x" });
    await storage.put("silver/b/y.parquet", { data: "y" });
    const staleA = tempPathFor(storage.localPath("bronze/a/z.zip"));
    const staleB = tempPathFor(storage.localPath("silver/b/w.parquet"));
    const fresh = tempPathFor(storage.localPath("bronze/a/fresh.zip"));
    for (const p of [staleA, staleB, fresh]) await writeFile(p, "partial");
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const p of [staleA, staleB]) await utimes(p, hourAgo, hourAgo);

    const r = await cleanupTemp(storage.root, "bronze/");
    expect(r.removed).toEqual([`bronze/a/${staleA.split("/").pop()}`]);
    expect(r.bytes).toBe("partial".length);
    expect((await readdir(join(storage.root, "bronze/a"))).sort()).toEqual(
      [fresh.split("/").pop(), "x.zip"].sort(),
    );
    expect(await readdir(join(storage.root, "silver/b"))).toContain(staleB.split("/").pop());

    const all = await cleanupTemp(storage.root, "", { minAgeMs: 0 });
    expect(all.removed.length).toBe(2);
    expect(await keys(storage)).toEqual(["bronze/a/x.zip", "silver/b/y.parquet"]);
    expect((await readdir(join(storage.root, "bronze/a"))).sort()).toEqual(["x.zip"]);
    expect(await cleanupTemp(join(tmp.dir, "no-such-root"))).toEqual({ removed: [], bytes: 0 });
  });

  it("a failed put removes its temp file and leaves no final object", async () => {
    // The final name is taken by a folder: the rename fails after the temp file was fully written.
    await mkdir(storage.localPath("a/taken.zip"), { recursive: true });
    const e = await caught(() => storage.put("a/taken.zip", { data: "x" }));
    expect(e.code).toBe("STORAGE_FAILED");
    expect(e.message).toContain("a/taken.zip");
    expect(await readdir(join(storage.root, "a"))).toEqual(["taken.zip"]);
    expect(await storage.head("a/taken.zip")).toBeUndefined();

    const missing = join(tmp.dir, "staging", "gone.zip");
    const e2 = await caught(() => storage.put("b/gone.zip", { path: missing }));
    expect(e2.code).toBe("STORAGE_FAILED");
    expect(e2.message).toContain(missing);
    expect(await readdir(join(storage.root, "b")).catch(() => [])).toEqual([]);
  });

  it("a key below an existing object fails clearly (a file cannot also be a folder)", async () => {
    await storage.put("a/b", { data: "x" });
    const e = await caught(() => storage.put("a/b/c", { data: "y" }));
    expect(e.code).toBe("STORAGE_FAILED");
    expect(e.message).toContain("a/b/c");
    expect(await storage.head("a/b/c")).toBeUndefined();
  });

  it("a reader that opened the old version keeps reading it whole while it is replaced", async () => {
    const old = Buffer.alloc(3 * 1024 * 1024, 1);
    await storage.put("k.bin", { data: old });
    const stream = await storage.get("k.bin");
    await storage.put("k.bin", { data: Buffer.alloc(10, 2) });
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(old)).toBe(true);
    expect((await storage.read("k.bin"))?.length).toBe(10);
  });
});

describe("paths and listing", () => {
  it("maps keys to paths inside the root and treats folders as no object", async () => {
    expect(storage.localPath("a/b.zip")).toBe(join(storage.root, "a", "b.zip"));
    await storage.put("a/b/c.zip", { data: "c" });
    expect(await storage.head("a/b")).toBeUndefined();
    expect(await storage.read("a/b")).toBeUndefined();
    expect((await caught(() => storage.get("a/b"))).code).toBe("NOT_FOUND");
    await storage.delete("a/b");
    expect(await keys(storage)).toEqual(["a/b/c.zip"]);
  });

  it("stores a key with a 250-character file name (the temp name stays within NAME_MAX)", async () => {
    const key = `long/${"x".repeat(246)}.zip`;
    await storage.put(key, { data: "x" });
    expect(await keys(storage, "long/")).toEqual([key]);
  });

  it("lists a folder larger than one stat chunk completely and in order", async () => {
    const dir = join(storage.root, "many");
    await mkdir(dir, { recursive: true });
    const names = Array.from({ length: 700 }, (_, i) => `f${(i * 7919) % 700}.zip`);
    for (const n of names) await writeFile(join(dir, n), n);
    const listed: Array<[string, number]> = [];
    for await (const o of storage.list("many/")) listed.push([o.key, o.size]);
    const expected = [...names].sort().map((n): [string, number] => [`many/${n}`, n.length]);
    expect(listed).toEqual(expected);
  });

  it("lists dot files that are not temp files", async () => {
    await storage.put("_meta/.hidden", { data: "h" });
    expect(await keys(storage)).toEqual(["_meta/.hidden"]);
  });

  it("follows symlinked folders and survives a symlink loop", async () => {
    const elsewhere = join(tmp.dir, "elsewhere");
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, "f.zip"), "f");
    await storage.put("bronze/x.zip", { data: "x" });
    await symlink(elsewhere, join(storage.root, "bronze", "linked"));
    await symlink(storage.root, join(elsewhere, "loop"));
    expect(await keys(storage, "bronze/")).toEqual(["bronze/linked/f.zip", "bronze/x.zip"]);
  });

  it("streams: folders later in the order are read only when reached", async () => {
    await storage.put("a/1.zip", { data: "1" });
    await storage.put("c/3.zip", { data: "3" });
    const it = storage.list("")[Symbol.asyncIterator]();
    expect((await it.next()).value?.key).toBe("a/1.zip");
    // Created after listing began, in a folder the walk has not opened yet: a lazy walk sees it.
    await storage.put("c/2.zip", { data: "2" });
    expect((await it.next()).value?.key).toBe("c/2.zip");
    expect((await it.next()).value?.key).toBe("c/3.zip");
    expect((await it.next()).done).toBe(true);
  });
});
