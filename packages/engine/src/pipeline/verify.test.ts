// verify and run-listing logic with an in-memory store: every status, its reason, the zip test, newest-first runs.
// (The same code runs end to end on local and S3 stores in apps/cli/test/verify.test.ts and s3.test.ts.)
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FileRecord, RunSummary, StorageBackend } from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  bronzeKey,
  emptyCounts,
  fileRecordKey,
  runSummaryKey,
} from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { type MemoryStorage, memoryStorage } from "./memory-storage.test-util.js";
import { listRunSummaries, readRunSummary } from "./runs.js";
import { type VerifyItem, verifyStore, verifyStoredFile } from "./verify.js";
import { flipData, zipOf } from "./zip.test-util.js";
import { FULL_CHECK_BYTES, PREFIX_BYTES, testZip } from "./zipcheck.js";

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

function file(period: string): ArchiveFile {
  return {
    market: "spot",
    partition: "daily",
    dataType: "trades",
    symbol: "BTCUSDT",
    period,
    key: `data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-${period}.zip`,
  };
}

/** A small, sound zip holding `text`. */
const zip = (text: string) =>
  zipOf("data.csv", Buffer.from(Array.from({ length: 300 }, (_, i) => `${text},${i},${i * i}\n`).join("")));

/** Stores a zip the way the processor does: zip, .CHECKSUM, record (with the zip test depth collect proved). */
function store(
  s: MemoryStorage,
  f: ArchiveFile,
  body: Buffer,
  runId = "r1",
  zipTest?: FileRecord["zipTest"],
): string {
  const key = bronzeKey(f);
  s.objects.set(key, body);
  s.objects.set(`${key}.CHECKSUM`, Buffer.from(`${sha(body)}  ${key.split("/").pop()}`));
  const record: FileRecord = {
    key: f.key,
    bronzeKey: key,
    sha256: sha(body),
    size: body.length,
    verified: true,
    ...(zipTest ? { zipTest } : {}),
    runId,
    storedAt: "x",
  };
  s.objects.set(fileRecordKey(key), Buffer.from(JSON.stringify(record)));
  return key;
}

function summary(runId: string, startedAt: string, failures: RunSummary["failures"] = []): RunSummary {
  return {
    runId,
    status: "completed",
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    request: {},
    settings: {},
    planned: 1,
    counts: emptyCounts(),
    bytes: 0,
    durations: {},
    failures,
    notes: [],
    output: "memory://",
    downloader: "x",
    executor: "x",
  };
}

describe("verifyStoredFile", () => {
  it("tells ok, corrupt (record or .CHECKSUM), missing, unverified and unavailable apart", async () => {
    const s = memoryStorage();
    const [ok, flipped, sidecar, noRecord, gone, hole, stale] = [
      "01",
      "02",
      "03",
      "04",
      "05",
      "06",
      "07",
    ].map((d) => file(`2023-07-${d}`));
    const k = (f: ArchiveFile) => bronzeKey(f);
    store(s, ok!, zip("ok"));
    store(s, flipped!, zip("flipped"));
    s.objects.set(k(flipped!), Buffer.from("flipped!"));
    store(s, sidecar!, zip("sidecar"));
    s.objects.set(`${k(sidecar!)}.CHECKSUM`, Buffer.from(`${"a".repeat(64)}  x.zip\n`));
    store(s, noRecord!, zip("norecord"));
    s.objects.delete(fileRecordKey(k(noRecord!)));
    store(s, gone!, zip("gone"), "r0");
    s.objects.delete(k(gone!));
    const failures = new Map([
      [hole!.key, "missing in run r1: 404 Not Found"],
      [stale!.key, "checksum_mismatch in run r1: stale"],
    ]);
    const status = async (f: ArchiveFile) => verifyStoredFile(s, k(f), f, failures);

    expect(await status(ok!)).toMatchObject({
      status: "ok",
      sha256: sha(zip("ok")),
      recorded: sha(zip("ok")),
      checksum: sha(zip("ok")),
      size: zip("ok").length,
      zipTest: "tested",
    });
    expect(await status(flipped!)).toMatchObject({
      status: "corrupt",
      reason: expect.stringMatching(/the record \(run r1\) says/),
    });
    expect(await status(sidecar!)).toMatchObject({
      status: "corrupt",
      reason: expect.stringMatching(/stored \.CHECKSUM says a{64}/),
    });
    expect(await status(noRecord!)).toMatchObject({
      status: "unverified",
      reason: expect.stringMatching(/no record.*matches the stored \.CHECKSUM/),
    });
    expect(await status(gone!)).toMatchObject({
      status: "missing",
      reason: expect.stringMatching(/recorded by run r0 but the object is gone/),
    });
    expect(await status(hole!)).toMatchObject({
      status: "unavailable",
      reason: expect.stringMatching(/404/),
    });
    expect(await status(stale!)).toMatchObject({
      status: "missing",
      reason: expect.stringMatching(/last attempt: checksum_mismatch/),
    });

    // Whole-store mode: listed zips plus records whose zip is gone.
    const all = await verifyStore(s);
    expect(all.counts).toEqual({ ok: 1, corrupt: 2, missing: 1, unverified: 1, unavailable: 0 });
    expect(all.items.map((i) => i.bronzeKey)).toEqual([flipped, sidecar, noRecord, gone].map((f) => k(f!)));
    expect(all.bytes).toBe(
      zip("ok").length + "flipped!".length + zip("sidecar").length + zip("norecord").length,
    );
    // Zips whose bytes are already known bad are not test-opened.
    expect(all.zipTested).toBe(2);
  });

  it("with a selection, a 404 in the latest run summary is unavailable, a later success is not", async () => {
    const s = memoryStorage();
    const [a, b] = [file("2023-07-01"), file("2023-07-02")];
    await s.put(runSummaryKey("20230701T000000Z-aaaaaa"), {
      data: JSON.stringify(
        summary("20230701T000000Z-aaaaaa", "2023-07-01T00:00:00Z", [
          { key: a!.key, outcome: "pending", reason: "not published yet (404)" },
          { key: b!.key, outcome: "pending", reason: "404" },
        ]),
      ),
    });
    await s.put(runSummaryKey("20230703T000000Z-bbbbbb"), {
      data: JSON.stringify(
        summary("20230703T000000Z-bbbbbb", "2023-07-03T00:00:00Z", [
          { key: b!.key, outcome: "failed", reason: "timeout" },
        ]),
      ),
    });
    const r = await verifyStore(s, { files: [a!, b!] });
    expect(r.items.map((i) => [i.status, i.reason])).toEqual([
      [
        "unavailable",
        "not in the archive when last collected (pending in run 20230701T000000Z-aaaaaa: not published yet (404))",
      ],
      ["missing", "not in the store; last attempt: failed in run 20230703T000000Z-bbbbbb: timeout"],
    ]);
  });

  it("a file stored with download_checksum: false is unverified, whatever its sound bytes", async () => {
    const s = memoryStorage();
    const f = file("2023-07-01");
    const key = store(s, f, zip("nc"), "r9");
    s.objects.delete(`${key}.CHECKSUM`);
    const rec = JSON.parse(s.objects.get(fileRecordKey(key))!.toString());
    s.objects.set(fileRecordKey(key), Buffer.from(JSON.stringify({ ...rec, verified: false })));
    expect(await verifyStoredFile(s, key, f)).toMatchObject({
      status: "unverified",
      sha256: sha(zip("nc")),
      zipTest: "tested",
      reason:
        "stored without verification (download_checksum: false) by run r9; no .CHECKSUM stored to compare with",
    });
    expect((await verifyStore(s)).counts).toMatchObject({ ok: 0, unverified: 1 });
  });
});

describe("verify's zip test", () => {
  // Random bytes do not compress: a member over the 1 MiB that collect's `structure` test checks in full.
  const big = zipOf("data.csv", randomBytes(FULL_CHECK_BYTES * 2));
  // Damage deep in the deflate data, past the prefix `structure` inflates; the record and .CHECKSUM are then
  // made to match the damaged bytes, so only the CRC-32 can tell.
  const late = flipData(big, PREFIX_BYTES * 4);
  const [archiveDamaged, storedDamaged, proven, unrecorded] = ["01", "02", "03", "04"].map((d) =>
    file(`2023-08-${d}`),
  );

  function damagedStore(): MemoryStorage {
    const s = memoryStorage();
    store(s, archiveDamaged!, late, "r1", "structure");
    store(s, storedDamaged!, flipData(zip("stored"), 200), "r2");
    s.objects.delete(`${bronzeKey(storedDamaged!)}.CHECKSUM`);
    // What collect records after checking every CRC-32 of these bytes: the record is trusted for it.
    store(s, proven!, late, "r3", "crc");
    store(s, unrecorded!, late);
    s.objects.delete(fileRecordKey(bronzeKey(unrecorded!)));
    return s;
  }
  const byKey = (items: VerifyItem[]) => new Map(items.map((i) => [i.bronzeKey, i]));

  it("finds a damaged member whose SHA-256 checks out, spooling zips of a store without local paths", async () => {
    const spool = mkdtempSync(join(tmpdir(), "verify-spool-"));
    const lateZip = join(spool, "late.zip");
    writeFileSync(lateZip, late);
    expect((await testZip(lateZip, "structure")).ok).toBe(true); // what collect's default test saw
    rmSync(lateZip);

    const s = damagedStore();
    const r = await verifyStore(s, { tempDir: spool });
    expect(r.counts).toEqual({ ok: 1, corrupt: 3, missing: 0, unverified: 0, unavailable: 0 });
    expect(r.zipTested).toBe(3);
    const items = byKey(r.items);
    expect(items.get(bronzeKey(archiveDamaged!))).toMatchObject({
      status: "corrupt",
      zipTest: "failed",
      sha256: sha(late),
      reason:
        "zip test failed: data.csv: CRC-32 mismatch (its SHA-256 matches the archive's .CHECKSUM, so the archive's own file is damaged)",
    });
    expect(items.get(bronzeKey(storedDamaged!))?.reason).toMatch(
      /^zip test failed: data\.csv: .*\(its SHA-256 matches its record from run r2: it was stored damaged\)$/,
    );
    // Without a record the zip test still runs, and a failure outranks `unverified`.
    expect(items.get(bronzeKey(unrecorded!))).toMatchObject({
      status: "corrupt",
      reason: expect.stringMatching(/^zip test failed: .*archive's own file is damaged/),
    });
    expect(await verifyStoredFile(s, bronzeKey(proven!))).toMatchObject({
      status: "ok",
      zipTest: "recorded",
    });
    // Every spooled copy is gone.
    expect(readdirSync(spool)).toEqual([]);

    const fast = await verifyStore(s, { tempDir: spool, zipTest: false });
    expect(fast.counts).toEqual({ ok: 3, corrupt: 0, missing: 0, unverified: 1, unavailable: 0 });
    expect(fast.zipTested).toBe(0);
    expect(fast.items.map((i) => i.zipTest)).toEqual([undefined]);
  });

  it("tests a store's own file in place when it has a local path, without spooling", async () => {
    const s = damagedStore();
    const dir = mkdtempSync(join(tmpdir(), "verify-local-"));
    const local: StorageBackend = {
      ...s,
      localPath(key) {
        const path = join(dir, ...key.split("/"));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, s.objects.get(key) ?? Buffer.alloc(0));
        return path;
      },
    };
    // A spool folder that does not exist: any attempt to spool would fail.
    const tempDir = join(dir, "no-such-folder");
    const item = await verifyStoredFile(local, bronzeKey(archiveDamaged!), archiveDamaged, undefined, {
      tempDir,
    });
    expect(item).toMatchObject({ status: "corrupt", reason: expect.stringMatching(/CRC-32 mismatch/) });
    await expect(
      verifyStoredFile(s, bronzeKey(archiveDamaged!), archiveDamaged, undefined, { tempDir }),
    ).rejects.toMatchObject({ code: "STORAGE_FAILED", message: expect.stringMatching(/for its zip test/) });
  });
});

describe("run summaries", () => {
  it("lists newest first, skips unreadable ones through onError, reads one by id", async () => {
    const s = memoryStorage();
    for (const [id, at] of [
      ["20230701T000000Z-aaaaaa", "2023-07-01T00:00:00Z"],
      ["20230703T000000Z-cccccc", "2023-07-03T00:00:00Z"],
      ["20230702T000000Z-bbbbbb", "2023-07-02T00:00:00Z"],
    ] as const) {
      await s.put(runSummaryKey(id), { data: JSON.stringify(summary(id, at)) });
    }
    await s.put("_meta/runs/broken.json", { data: "{" });
    await s.put("_meta/runs/nested/x.json", { data: "{}" });
    const bad: string[] = [];
    const runs = await listRunSummaries(s, { onError: (key) => bad.push(key) });
    expect(runs.map((r) => r.runId)).toEqual([
      "20230703T000000Z-cccccc",
      "20230702T000000Z-bbbbbb",
      "20230701T000000Z-aaaaaa",
    ]);
    expect(bad).toEqual(["_meta/runs/broken.json"]);
    await expect(listRunSummaries(s)).rejects.toThrow();
    expect((await readRunSummary(s, "20230702T000000Z-bbbbbb"))?.startedAt).toBe("2023-07-02T00:00:00Z");
    expect(await readRunSummary(s, "20990101T000000Z-ffffff")).toBeUndefined();
    await expect(readRunSummary(s, "../x")).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(readRunSummary(s, "broken")).rejects.toMatchObject({ code: "STORAGE_FAILED" });
  });
});
