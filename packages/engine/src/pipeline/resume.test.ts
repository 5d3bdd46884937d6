// Resume decisions with an in-memory store and a scripted archive listing: verified vs unverified stored files,
// changed remote files (refresh_changed), one listing per folder, and the processor's part (stale .CHECKSUMs).
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ArchiveFile,
  Downloader,
  FetchResult,
  FileRecord,
  RemoteEntry,
  StorageBackend,
} from "@crypto-lakehouse/core";
import { bronzeKey, fileRecordKey, silentLogger } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { type MemoryStorage, memoryStorage } from "./memory-storage.test-util.js";
import { createBatchProcessor } from "./processor.js";
import { BronzeIndex, RefetchNotes } from "./resume.js";
import { zipOf } from "./zip.test-util.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const zip = (text: string) => zipOf("data.csv", Buffer.from(`${text},1,2\n`.repeat(50)));

function file(period: string, symbol = "BTCUSDT"): ArchiveFile {
  return {
    market: "spot",
    partition: "daily",
    dataType: "trades",
    symbol,
    period,
    key: `data/spot/daily/trades/${symbol}/${symbol}-trades-${period}.zip`,
  };
}

const folderOf = (f: ArchiveFile) => f.key.slice(0, f.key.lastIndexOf("/") + 1);

/** Stores a file the way the processor does; `verified: false` leaves out the .CHECKSUM, like --no-checksum. */
function store(
  s: MemoryStorage,
  f: ArchiveFile,
  body: Buffer,
  opts: { verified?: boolean; etag?: string } = {},
) {
  const key = bronzeKey(f);
  const verified = opts.verified ?? true;
  s.objects.set(key, body);
  if (verified) s.objects.set(`${key}.CHECKSUM`, Buffer.from(`${sha(body)}  ${key.split("/").pop()}`));
  const record: FileRecord = {
    key: f.key,
    bronzeKey: key,
    sha256: sha(body),
    size: body.length,
    verified,
    ...(verified ? { checksum: sha(body) } : {}),
    etag: opts.etag ?? md5(body),
    lastModified: "2023-07-02T01:00:00.000Z",
    runId: "r1",
    storedAt: "2025-01-01T00:00:00.000Z",
  };
  s.objects.set(fileRecordKey(key), Buffer.from(JSON.stringify(record)));
}

/** A scripted archive listing: objects per key; counts listings per prefix. */
function archive(objects: Record<string, { body: Buffer; etag?: string; lastModified?: Date }>) {
  const listed: string[] = [];
  async function* list(prefix: string): AsyncGenerator<RemoteEntry> {
    listed.push(prefix);
    for (const [key, o] of Object.entries(objects).sort()) {
      if (!key.startsWith(prefix) || key.slice(prefix.length).includes("/")) continue;
      yield {
        kind: "object",
        key,
        size: o.body.length,
        etag: o.etag ?? md5(o.body),
        ...(o.lastModified ? { lastModified: o.lastModified } : {}),
      };
      yield { kind: "object", key: `${key}.CHECKSUM`, size: 90 };
    }
  }
  return { list, listed };
}

describe("BronzeIndex: verified and unverified stored files", () => {
  it("a verifying run counts only files stored verified; a --no-checksum run counts both", async () => {
    const s = memoryStorage();
    const [verified, unverified, noRecord, absent] = ["01", "02", "03", "04"].map((d) =>
      file(`2023-07-${d}`),
    );
    store(s, verified!, zip("a"));
    store(s, unverified!, zip("b"), { verified: false });
    store(s, noRecord!, zip("c"));
    s.objects.delete(fileRecordKey(bronzeKey(noRecord!)));

    const verifying = new BronzeIndex(s);
    expect(await verifying.check(verified!)).toEqual({ done: true });
    expect(await verifying.check(unverified!)).toEqual({
      done: false,
      why: "unverified",
      reason: expect.stringMatching(/download_checksum: false/),
    });
    expect(await verifying.check(noRecord!)).toEqual({ done: false, why: "absent" });
    expect(await verifying.check(absent!)).toEqual({ done: false, why: "absent" });

    const unchecked = new BronzeIndex(s, { verify: false });
    expect(await unchecked.isDone(verified!)).toBe(true);
    expect(await unchecked.isDone(unverified!)).toBe(true);
    expect(await unchecked.isDone(noRecord!)).toBe(false);
  });

  it("reads no record and lists each bronze folder (and its record folder) once", async () => {
    const s = memoryStorage();
    const files = Array.from({ length: 20 }, (_, i) => file(`2023-07-${String(i + 1).padStart(2, "0")}`));
    for (const [i, f] of files.entries()) store(s, f, zip(`x${i}`), { verified: i % 2 === 0 });
    const listed: string[] = [];
    const reads: string[] = [];
    const counting: StorageBackend = {
      ...s,
      list(prefix) {
        listed.push(prefix);
        return s.list(prefix);
      },
      async read(k) {
        reads.push(k);
        return s.read(k);
      },
    };
    const index = new BronzeIndex(counting);
    const done = [];
    for (const f of files) if (await index.isDone(f)) done.push(f.period);
    expect(done).toHaveLength(10);
    expect(listed).toEqual([
      "bronze/spot/trades/daily/BTCUSDT/",
      "_meta/files/bronze/spot/trades/daily/BTCUSDT/",
    ]);
    expect(reads).toEqual([]);
  });

  it("the processor removes an older .CHECKSUM when it stores a zip unverified, so resume re-fetches it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const f = file("2023-07-01");
    const body = zip("v1");
    const s = memoryStorage();
    const downloader: Downloader = {
      kind: "downloader",
      id: "scripted",
      async *list() {},
      async *fetch(files, _dir, opts): AsyncGenerator<FetchResult> {
        for (const x of files) {
          const zipPath = join(dir, `${Math.random()}.part`);
          writeFileSync(zipPath, body);
          yield {
            status: "fetched",
            file: x,
            zipPath,
            size: body.length,
            etag: md5(body),
            ...(opts.withChecksum ? { checksumText: `${sha(body)}  x.zip` } : {}),
            attempts: 1,
          };
        }
      },
    };
    const run = (verify: boolean) =>
      createBatchProcessor({
        runId: "r",
        downloader,
        storage: s,
        stagingDir: dir,
        verify,
        logger: silentLogger,
      })({ id: "b", index: 0, files: [f] }, {});
    await run(true);
    expect(await new BronzeIndex(s).isDone(f)).toBe(true);
    await run(false); // --force --no-checksum over a verified copy
    expect(s.objects.has(`${bronzeKey(f)}.CHECKSUM`)).toBe(false);
    expect(JSON.parse(s.objects.get(fileRecordKey(bronzeKey(f)))!.toString()).verified).toBe(false);
    expect((await new BronzeIndex(s).check(f)).done).toBe(false);
    await run(true); // the re-fetch a verifying resume asks for
    expect(await new BronzeIndex(s).isDone(f)).toBe(true);
    expect(JSON.parse(s.objects.get(fileRecordKey(bronzeKey(f)))!.toString()).verified).toBe(true);
  });
});

describe("BronzeIndex: refresh_changed", () => {
  it("counts a stored file whose archive ETag or size changed as not done, and lists each archive folder once", async () => {
    const s = memoryStorage();
    const [same, etag, size, gone, other] = [
      file("2023-07-01"),
      file("2023-07-02"),
      file("2023-07-03"),
      file("2023-07-04"),
      file("2023-07-01", "ETHUSDT"),
    ];
    for (const f of [same, etag, size, gone, other]) store(s, f!, zip(f!.key));
    const changedSameSize = Buffer.from(zip(etag!.key));
    changedSameSize[changedSameSize.length - 1]! ^= 1;
    const remote = archive({
      [same!.key]: { body: zip(same!.key) },
      [etag!.key]: { body: changedSameSize },
      [size!.key]: { body: zip(`${size!.key} and more`) },
      [other!.key]: { body: zip(other!.key) },
    });
    const index = new BronzeIndex(s, { remote: remote.list });
    expect(await index.check(same!)).toEqual({ done: true });
    expect(await index.check(etag!)).toMatchObject({
      done: false,
      why: "changed",
      reason: `changed in the archive: ETag ${md5(zip(etag!.key))} → ${md5(changedSameSize)}`,
    });
    expect(await index.check(size!)).toMatchObject({
      done: false,
      why: "changed",
      reason: expect.stringMatching(/^changed in the archive: size \d+ → \d+ bytes$/),
    });
    // Gone from the archive: what bronze holds stays done (never deleted, never re-fetched).
    expect(await index.check(gone!)).toEqual({ done: true });
    expect(await index.check(other!)).toEqual({ done: true });
    expect(remote.listed).toEqual([folderOf(same!), folderOf(other!)]);

    // Without the option the archive is not consulted: the stored copy counts.
    expect(await new BronzeIndex(s).isDone(etag!)).toBe(true);
  });

  it("ETags compare without quotes or case; without ETags a newer LastModified is a change", async () => {
    const s = memoryStorage();
    const [quoted, noEtag, older] = [file("2023-07-01"), file("2023-07-02"), file("2023-07-03")];
    store(s, quoted!, zip("q"), { etag: `"${md5(zip("q")).toUpperCase()}"` });
    for (const f of [noEtag, older]) {
      store(s, f!, zip(f!.key));
      const key = fileRecordKey(bronzeKey(f!));
      const rec = JSON.parse(s.objects.get(key)!.toString());
      delete rec.etag;
      s.objects.set(key, Buffer.from(JSON.stringify(rec)));
    }
    const remote = archive({
      [quoted!.key]: { body: zip("q") },
      [noEtag!.key]: { body: zip(noEtag!.key), lastModified: new Date("2024-01-01T00:00:00Z") },
      [older!.key]: { body: zip(older!.key), lastModified: new Date("2023-07-02T01:00:00Z") },
    });
    const index = new BronzeIndex(s, { remote: remote.list });
    expect(await index.isDone(quoted!)).toBe(true);
    expect(await index.check(noEtag!)).toMatchObject({
      done: false,
      why: "changed",
      reason: "changed in the archive: LastModified 2023-07-02T01:00:00.000Z → 2024-01-01T00:00:00.000Z",
    });
    expect(await index.isDone(older!)).toBe(true);
  });

  it("reads no record when the store's listing shows the archive's MD5 ETag or the size differs", async () => {
    const s = memoryStorage();
    const reads: string[] = [];
    // Lists ETags like an S3 store (the MD5 of what it holds).
    const s3like: StorageBackend = {
      ...s,
      async read(k) {
        reads.push(k);
        return s.read(k);
      },
      async *list(prefix) {
        for await (const o of s.list(prefix)) yield { ...o, etag: `"${md5(s.objects.get(o.key)!)}"` };
      },
    };
    const [same, resized, changed] = [file("2023-07-01"), file("2023-07-02"), file("2023-07-03")];
    for (const f of [same, resized, changed]) store(s, f!, zip(f!.key));
    const changedBody = Buffer.from(zip(changed!.key));
    changedBody[changedBody.length - 1]! ^= 1;
    const remote = archive({
      [same!.key]: { body: zip(same!.key) },
      [resized!.key]: { body: zip(`${resized!.key}!`) },
      [changed!.key]: { body: changedBody },
    });
    const index = new BronzeIndex(s3like, { remote: remote.list });
    expect(await index.isDone(same!)).toBe(true);
    expect(await index.check(resized!)).toMatchObject({ done: false, why: "changed" });
    // Different ETags: the record (what was fetched) decides, not the store's own ETag (SSE-KMS, multipart).
    expect(await index.check(changed!)).toMatchObject({ done: false, why: "changed" });
    expect(reads).toEqual([fileRecordKey(bronzeKey(changed!))]);
  });

  it("checkAll keeps the plan's order while checking ahead, and lets a failed listing surface", async () => {
    const s = memoryStorage();
    const files = Array.from({ length: 40 }, (_, i) =>
      file(`2023-07-${String((i % 28) + 1).padStart(2, "0")}`, `S${i % 3}USDT`),
    );
    for (const [i, f] of files.entries()) if (i % 4 !== 0) store(s, f, zip(f.key));
    const remote = archive(
      Object.fromEntries(files.map((f, i) => [f.key, { body: zip(i % 5 ? f.key : "new") }])),
    );
    const index = new BronzeIndex(s, { remote: remote.list });
    async function* plan() {
      yield* files;
    }
    const out: [string, boolean][] = [];
    for await (const [f, d] of index.checkAll(plan())) out.push([f.key, d.done]);
    const expected = await Promise.all(
      files.map(async (f) => [f.key, await new BronzeIndex(s, { remote: remote.list }).isDone(f)]),
    );
    expect(out).toEqual(expected);
    expect(out.filter(([, done]) => done).length).toBeGreaterThan(10);

    const failing = new BronzeIndex(s, {
      remote: async function* () {
        yield* [];
        throw new Error("listing failed: 503");
      },
    });
    await expect(async () => {
      for await (const _ of failing.checkAll(plan()));
    }).rejects.toThrow(/503/);
  });

  it("an unreadable record is not trusted", async () => {
    const s = memoryStorage();
    const f = file("2023-07-01");
    store(s, f, zip("u"));
    s.objects.set(fileRecordKey(bronzeKey(f)), Buffer.from("{not json"));
    const index = new BronzeIndex(s, { remote: archive({ [f.key]: { body: zip("u") } }).list });
    expect(await index.check(f)).toMatchObject({ done: false, reason: expect.stringMatching(/unreadable/) });
  });
});

describe("RefetchNotes", () => {
  it("sums up re-fetched stored files per reason, with a few keys each", () => {
    const n = new RefetchNotes(2);
    const [a, b, c] = [file("2023-07-01"), file("2023-07-02"), file("2023-07-03")];
    n.add(a!, { done: false, why: "absent" });
    n.add(a!, { done: true });
    expect(n.notes()).toEqual([]);
    for (const f of [a, b, c]) n.add(f!, { done: false, why: "unverified", reason: "no .CHECKSUM" });
    n.add(b!, { done: false, why: "changed", reason: "changed in the archive: ETag 1 → 2" });
    expect(n.notes()).toEqual([
      `fetched again to verify them, as bronze held them unverified (download_checksum: false): 3 stored files — ${a!.key}, ${b!.key}, … and 1 more`,
      `fetched again, changed in the archive since they were stored (refresh_changed): 1 stored file — ${b!.key} (ETag 1 → 2)`,
    ]);
  });
});
