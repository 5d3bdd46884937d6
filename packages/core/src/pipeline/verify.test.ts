// verify and run-listing logic with an in-memory store: every status, its reason, newest-first runs.
// (The same code runs end to end on local and S3 stores in apps/cli/test/verify.test.ts and s3.test.ts.)
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ArchiveFile, emptyCounts } from "../model/types.js";
import { bronzeKey, fileRecordKey, runSummaryKey } from "./layout.js";
import { type MemoryStorage, memoryStorage } from "./memory-storage.test-util.js";
import type { RunSummary } from "./records.js";
import { listRunSummaries, readRunSummary } from "./runs.js";
import { verifyStore, verifyStoredFile } from "./verify.js";

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

/** Stores a file the way the processor does: zip, .CHECKSUM, record. */
function store(s: MemoryStorage, f: ArchiveFile, body: string, runId = "r1"): string {
  const key = bronzeKey(f);
  s.objects.set(key, Buffer.from(body));
  s.objects.set(`${key}.CHECKSUM`, Buffer.from(`${sha(body)}  ${key.split("/").pop()}`));
  s.objects.set(
    fileRecordKey(key),
    Buffer.from(
      JSON.stringify({
        key: f.key,
        bronzeKey: key,
        sha256: sha(body),
        size: body.length,
        verified: true,
        runId,
        storedAt: "x",
      }),
    ),
  );
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
    store(s, ok!, "ok");
    store(s, flipped!, "flipped");
    s.objects.set(k(flipped!), Buffer.from("flipped!"));
    store(s, sidecar!, "sidecar");
    s.objects.set(`${k(sidecar!)}.CHECKSUM`, Buffer.from(`${"a".repeat(64)}  x.zip\n`));
    store(s, noRecord!, "norecord");
    s.objects.delete(fileRecordKey(k(noRecord!)));
    store(s, gone!, "gone", "r0");
    s.objects.delete(k(gone!));
    const failures = new Map([
      [hole!.key, "missing in run r1: 404 Not Found"],
      [stale!.key, "checksum_mismatch in run r1: stale"],
    ]);
    const status = async (f: ArchiveFile) => verifyStoredFile(s, k(f), f, failures);

    expect(await status(ok!)).toMatchObject({
      status: "ok",
      sha256: sha("ok"),
      recorded: sha("ok"),
      checksum: sha("ok"),
      size: 2,
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
    expect(all.bytes).toBe(["ok", "flipped!", "sidecar", "norecord"].join("").length);
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
