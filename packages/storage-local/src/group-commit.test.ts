// Group commit (`durability: "group"` puts): one sync serves many puts; nothing is visible under a final name before
// a completed sync made its content durable; puts made one after another reach the disk in that order — checked
// against snapshots of what each sync made durable (a power loss keeps the last completed one, at least).
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { isLakehouseError } from "@crypto-lakehouse/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GroupCommit, type SyncWork } from "./group-commit.js";
import { createLocalStorage, type LocalStorageBackend } from "./index.js";
import { isTempName } from "./keys.js";
import { fsyncEach } from "./syncfs.js";
import { scratch } from "./test-util.js";

const GROUP = { durability: "group" } as const;
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** Every file under `dir`, temp files included: relative path → SHA-256 (files vanishing meanwhile are skipped). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const data = await readFile(path).catch(() => undefined);
    if (data) out.set(relative(dir, path), sha(data));
  }
  return out;
}

/** A sync whose calls the test completes (or fails) one by one; each really fsyncs when completed. */
function gatedSync() {
  const calls: { work: SyncWork; done: (error?: Error) => void }[] = [];
  const sync = (work: SyncWork) =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        work,
        done: (error) => (error ? reject(error) : fsyncEach(work).then(resolve, reject)),
      });
    });
  return { calls, sync };
}

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeEach(async () => {
  tmp = await scratch();
});
afterEach(() => tmp.dispose());

async function keys(storage: LocalStorageBackend): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list("")) out.push(o.key);
  return out;
}

describe("group commit", () => {
  it("syncs the puts that wait together once, and shows none before its sync completed", async () => {
    const { calls, sync } = gatedSync();
    const group = new GroupCommit(sync, { intervalMs: 0 });
    const storage = createLocalStorage({ root: join(tmp.dir, "lake") }, {}, group);
    const items = Array.from({ length: 20 }, (_, i) => ({ key: `a/f${i}.zip`, data: randomBytes(5000 + i) }));
    const puts = items.map((x) => storage.put(x.key, { data: x.data }, GROUP));

    // The first staged put starts a sync at once; the other 19 wait together for the next one.
    await vi.waitFor(() => expect(calls.length === 1 && group.waiting === 19).toBe(true), {
      timeout: 30_000,
    });
    expect(await keys(storage)).toEqual([]);
    const temps = (await readdir(join(storage.root, "a"))).filter(isTempName);
    expect(temps).toHaveLength(20);

    calls[0]!.done();
    await vi.waitFor(() => expect(calls.length).toBe(2), { timeout: 30_000 });
    expect(calls[1]!.work.files.size).toBe(19);
    await vi.waitFor(async () => expect((await keys(storage)).length).toBe(1), { timeout: 30_000 });
    expect(await keys(storage)).toHaveLength(1);

    calls[1]!.done();
    await Promise.all(puts);
    expect(calls).toHaveLength(2);
    expect(await keys(storage)).toEqual(items.map((x) => x.key).sort());
    for (const x of items) expect((await storage.read(x.key))?.equals(x.data)).toBe(true);
    expect((await readdir(join(storage.root, "a"))).filter(isTempName)).toEqual([]);

    // The renames are left to the next sync: flush runs it.
    const flushed = storage.flush!();
    await vi.waitFor(() => expect(calls.length).toBe(3), { timeout: 30_000 });
    expect([...calls[2]!.work.dirs]).toEqual([join(storage.root, "a")]);
    calls[2]!.done();
    await flushed;
  });

  it("keeps the order of puts made one after another across a power loss at any sync", async () => {
    const root = join(tmp.dir, "lake");
    /** What each completed sync made durable: the files as they were when it started. */
    const durable: Map<string, string>[] = [];
    const group = new GroupCommit(async (work) => {
      const snap = await snapshot(root);
      await fsyncEach(work);
      durable.push(snap);
    });
    const storage = createLocalStorage({ root }, {}, group);
    const everDurable = () => new Set(durable.flatMap((s) => [...s.values()]));

    // 12 files stored at once, each as collect does: zip, then .CHECKSUM, then record.
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const parts = [
          [`bronze/s${i % 3}/f${i}.zip`, randomBytes(3000 + i)],
          [`bronze/s${i % 3}/f${i}.zip.CHECKSUM`, `checksum ${i}`],
          [`_meta/files/s${i % 3}/f${i}.zip.json`, JSON.stringify({ i })],
        ] as const;
        for (const [key, data] of parts) {
          await storage.put(key, { data }, GROUP);
          // Visible now: its content went through a completed sync first (a temp file's, then renamed).
          expect(everDurable().has(sha(data))).toBe(true);
        }
        // The record is visible: the last completed sync started after the zip and .CHECKSUM were in place.
        const last = durable[durable.length - 1]!;
        expect(last.get(parts[0][0])).toBe(sha(parts[0][1]));
        expect(last.get(parts[1][0])).toBe(sha(parts[1][1]));
      }),
    );
    await storage.flush!();

    // A power loss after sync k keeps at least durable[k]: in every one, a record has its zip and .CHECKSUM.
    for (const snap of durable) {
      for (const name of snap.keys()) {
        if (!name.endsWith(".zip.json") || isTempName(name.split("/").pop()!)) continue;
        const zip = name.replace(/^_meta\/files\//, "bronze/").replace(/\.json$/, "");
        expect(snap.has(zip), `${name} without ${zip}`).toBe(true);
        expect(snap.has(`${zip}.CHECKSUM`), `${name} without ${zip}.CHECKSUM`).toBe(true);
      }
    }
    // Far fewer syncs than the 36 puts (and their 36 folders) of fsync-per-put.
    expect(durable.length).toBeLessThan(36);
    expect((await keys(storage)).length).toBe(36);
  });

  it("fails the puts a failed sync was for, leaving neither their temp files nor final names; flush says so", async () => {
    const { calls, sync } = gatedSync();
    const storage = createLocalStorage(
      { root: join(tmp.dir, "lake") },
      {},
      new GroupCommit(sync, { intervalMs: 0 }),
    );
    const put = storage.put("a/x.zip", { data: "x" }, GROUP).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.waitFor(() => expect(calls.length).toBe(1), { timeout: 30_000 });
    calls[0]!.done(Object.assign(new Error("sync -f: Input/output error"), { code: 1 }));
    const e = await put;
    expect(isLakehouseError(e) && e.code).toBe("STORAGE_FAILED");
    expect((e as Error).message).toContain("Input/output error");
    expect(await readdir(join(storage.root, "a"))).toEqual([]);
    const flush = await storage.flush!().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isLakehouseError(flush) && flush.message).toContain("Input/output error");
  });

  it("syncs each group with one `sync -f` of the file system, through one helper process", async () => {
    // A `sync` first on PATH that logs its arguments, then does the real thing.
    const bin = join(tmp.dir, "bin");
    const log = join(tmp.dir, "sync.log");
    await mkdir(bin);
    await writeFile(
      join(bin, "sync"),
      `#!/bin/sh\necho "$@" >> '${log}'\nexec /usr/bin/env PATH='${process.env.PATH}' sync "$@"\n`,
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const storage = createLocalStorage({ root: join(tmp.dir, "lake") });
      const items = Array.from({ length: 30 }, (_, i) => ({
        key: `d${i % 4}/f${i}`,
        data: randomBytes(100 + i),
      }));
      await Promise.all(items.map((x) => storage.put(x.key, { data: x.data }, GROUP)));
      await storage.close!();
      const calls = (await readFile(log, "utf8")).trim().split("\n");
      // One file system: one path per sync, under the lake; fewer syncs than puts.
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.length).toBeLessThan(items.length);
      for (const c of calls) expect(c).toMatch(new RegExp(`^-f -- ${storage.root}/d[0-3]$`));
      for (const x of items) expect((await storage.read(x.key))?.equals(x.data)).toBe(true);
    } finally {
      process.env.PATH = path;
    }
  });

  it("works through plain fsyncs where there is no `sync` program", async () => {
    const path = process.env.PATH;
    process.env.PATH = tmp.dir; // no `sync` here
    try {
      const storage = createLocalStorage({ root: join(tmp.dir, "lake") });
      const data = randomBytes(10_000);
      await storage.put("b/c/d.zip", { data }, GROUP);
      await storage.flush!();
      expect((await storage.read("b/c/d.zip"))?.equals(data)).toBe(true);
    } finally {
      process.env.PATH = path;
    }
  });
});
