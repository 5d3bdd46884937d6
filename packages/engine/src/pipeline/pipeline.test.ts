// Pipeline logic with fakes (a scripted downloader, an in-memory store): outcomes, verification, quarantine, resume.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArchiveFile, Batch, Catalog, Downloader, Executor, FetchResult } from "@crypto-lakehouse/core";
import {
  bronzeKey,
  fileRecordKey,
  LakehouseError,
  runSummaryKey,
  silentLogger,
} from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { createInProcessExecutor } from "../executor/in-process.js";
import { parseChecksum } from "./checksum.js";
import type { Progress } from "./collect.js";
import { collectFiles } from "./collect-files.js";
import { memoryStorage } from "./memory-storage.test-util.js";
import { createBatchProcessor, isPending } from "./processor.js";
import { BronzeIndex } from "./resume.js";
import { testZip } from "./zipcheck.js";

const ZIP = Buffer.from(
  "UEsDBBQAAAAIAN2leV3Ghe0SPwAAAGMAAAAZAAAAQlRDVVNEVC0xZC0yMDIzLTA3LTAxLmNzdiWMQQ7AQAgC730LMaKr1f9/rLrlwCSTALOK2akb+LZwyKHBuoe+PlQOaC4nwBlZRN/A3zuW8fuRe8D6nUGfD1BLAQIUAxQAAAAIAN2leV3Ghe0SPwAAAGMAAAAZAAAAAAAAAAAAAACAAQAAAABCVENVU0RULTFkLTIwMjMtMDctMDEuY3N2UEsFBgAAAAABAAEARwAAAHYAAAAAAA==",
  "base64",
);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

function file(period: string, symbol = "BTCUSDT"): ArchiveFile {
  return {
    market: "spot",
    partition: "daily",
    dataType: "klines",
    symbol,
    interval: "1d",
    period,
    key: `data/spot/daily/klines/${symbol}/1d/${symbol}-1d-${period}.zip`,
  };
}

/** A downloader that answers from a script: body + checksum per key, or 404, or an error. */
function scripted(
  dir: string,
  answers: Record<string, { body?: Buffer; checksum?: string; error?: string }>,
): Downloader & { calls: number } {
  const d = {
    kind: "downloader" as const,
    id: "scripted",
    calls: 0,
    async *list() {},
    async *fetch(files: readonly ArchiveFile[]): AsyncGenerator<FetchResult> {
      for (const f of files) {
        d.calls++;
        const a = answers[f.key];
        if (!a) continue; // dropped: the processor must notice
        if (a.error) {
          yield {
            status: "error",
            file: f,
            attempts: 4,
            error: new LakehouseError("DOWNLOAD_FAILED", a.error, { retryable: true }),
          };
        } else if (!a.body) {
          yield { status: "not_found", file: f, attempts: 1 };
        } else {
          const zipPath = join(dir, `${d.calls}.part`);
          writeFileSync(zipPath, a.body);
          yield {
            status: "fetched",
            file: f,
            zipPath,
            size: a.body.length,
            sha256: sha(a.body),
            md5: md5(a.body),
            etag: md5(ZIP),
            ...(a.checksum === undefined ? { checksumMissing: true } : { checksumText: a.checksum }),
            attempts: 1,
          };
        }
      }
    },
  };
  return d;
}

describe("collect pipeline logic", () => {
  const today = () => "2025-11-25";

  it("parses CHECKSUM text with and without a trailing newline", () => {
    const h = sha(ZIP);
    expect(parseChecksum(`${h}  BTCUSDT-1d-2023-07-01.zip`)).toBe(h);
    expect(parseChecksum(`${h.toUpperCase()}  x.zip\n`)).toBe(h);
    expect(parseChecksum("not a checksum")).toBeUndefined();
  });

  it("test-opens zips: a good one passes, a flipped byte in the data fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zip-"));
    writeFileSync(join(dir, "good.zip"), ZIP);
    expect((await testZip(join(dir, "good.zip"))).ok).toBe(true);
    const bad = Buffer.from(ZIP);
    bad[60] = bad[60]! ^ 0xff;
    writeFileSync(join(dir, "bad.zip"), bad);
    expect((await testZip(join(dir, "bad.zip"))).ok).toBe(false);
    writeFileSync(join(dir, "trunc.zip"), ZIP.subarray(0, 50));
    expect((await testZip(join(dir, "trunc.zip"))).ok).toBe(false);
  });

  it("tells pending from missing by the date", () => {
    expect(isPending(file("2025-11-24"), "2025-11-25")).toBe(true);
    expect(isPending(file("2025-11-20"), "2025-11-25")).toBe(false);
    expect(isPending({ ...file("x"), partition: "monthly", period: "2025-10" }, "2025-11-10")).toBe(true);
    expect(isPending({ ...file("x"), partition: "monthly", period: "2025-10" }, "2025-11-25")).toBe(false);
  });

  it("gives every file exactly one outcome and stores only verified ones (and CRC-tested ones without a .CHECKSUM, as unverified)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const good = file("2023-07-01");
    const stale = file("2023-07-02");
    const hole = file("2023-07-03");
    const recent = file("2025-11-24");
    const broken = file("2023-07-04");
    const dropped = file("2023-07-05");
    const noSidecar = file("2023-07-06");
    const corruptZip = Buffer.from(ZIP);
    corruptZip[60] = corruptZip[60]! ^ 0xff;
    const badZip = file("2023-07-07");
    const downloader = scripted(dir, {
      [good.key]: { body: ZIP, checksum: `${sha(ZIP)}  x.zip` },
      [stale.key]: { body: ZIP, checksum: `${"0".repeat(64)}  x.zip` },
      [hole.key]: {},
      [recent.key]: {},
      [broken.key]: { error: "connection reset" },
      [noSidecar.key]: { body: ZIP },
      [badZip.key]: { body: corruptZip, checksum: `${sha(corruptZip)}  x.zip` },
    });
    const storage = memoryStorage();
    const processor = createBatchProcessor({
      runId: "r1",
      downloader,
      storage,
      stagingDir: dir,
      verify: true,
      logger: silentLogger,
      today,
    });
    const results = await processor(
      { id: "b", index: 0, files: [good, stale, hole, recent, broken, dropped, noSidecar, badZip] },
      {},
    );
    const outcome = Object.fromEntries(results.map((r) => [r.file.period, r.outcome]));
    expect(outcome).toEqual({
      "2023-07-01": "downloaded",
      "2023-07-02": "checksum_mismatch",
      "2023-07-03": "missing",
      "2025-11-24": "pending",
      "2023-07-04": "failed",
      "2023-07-05": "failed",
      "2023-07-06": "unverified",
      "2023-07-07": "failed",
    });
    expect(results.find((r) => r.file === stale)!.reason).toMatch(/CHECKSUM is stale/);
    const stored = [...storage.objects.keys()].filter((k) => k.startsWith("bronze/"));
    expect(stored.sort()).toEqual([bronzeKey(good), `${bronzeKey(good)}.CHECKSUM`, bronzeKey(noSidecar)]);
    expect(results.find((r) => r.file === noSidecar)!.reason).toMatch(
      /publishes no \.CHECKSUM.*full CRC test/,
    );
    expect(JSON.parse(storage.objects.get(fileRecordKey(bronzeKey(noSidecar)))!.toString())).toMatchObject({
      verified: false,
      unverified: "no_checksum",
      zipTest: "crc",
    });
    expect(storage.objects.has(`_meta/quarantine/r1/${bronzeKey(stale)}`)).toBe(true);
    const record = JSON.parse(storage.objects.get(fileRecordKey(bronzeKey(good)))!.toString());
    expect(record).toMatchObject({ key: good.key, sha256: sha(ZIP), verified: true, runId: "r1" });
    // Resume sees only the verified, recorded file.
    const index = new BronzeIndex(storage);
    expect(await index.isDone(good)).toBe(true);
    expect(await index.isDone(stale)).toBe(false);
    // Stored unverified: done while the archive still publishes no .CHECKSUM, fetched again once it does.
    const listing = (withSum: boolean) => ({
      archive: async function* (prefix: string) {
        yield { kind: "object" as const, key: noSidecar.key, size: ZIP.length };
        if (withSum) yield { kind: "object" as const, key: `${noSidecar.key}.CHECKSUM`, size: 80 };
        expect(noSidecar.key.startsWith(prefix)).toBe(true);
      },
    });
    expect(await new BronzeIndex(storage, listing(false)).check(noSidecar)).toMatchObject({ done: true });
    expect(await new BronzeIndex(storage, listing(true)).check(noSidecar)).toMatchObject({
      done: false,
      why: "unverified",
      reason: expect.stringMatching(/publishes its \.CHECKSUM now/),
    });
  });

  it("with download_checksum off, stores without verifying", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const f = file("2023-07-01");
    const storage = memoryStorage();
    const processor = createBatchProcessor({
      runId: "r2",
      downloader: scripted(dir, { [f.key]: { body: ZIP } }),
      storage,
      stagingDir: dir,
      verify: false,
      logger: silentLogger,
      today,
    });
    const [r] = await processor({ id: "b", index: 0, files: [f] }, {});
    expect(r!.outcome).toBe("downloaded");
    expect(JSON.parse(storage.objects.get(fileRecordKey(bronzeKey(f)))!.toString()).verified).toBe(false);
  });

  it("a crash while handling the batch's last files fails the batch (it is not swallowed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const f = file("2023-07-01");
    const processor = createBatchProcessor({
      runId: "r3",
      downloader: scripted(dir, { [f.key]: { body: ZIP, checksum: `${sha(ZIP)}  x.zip` } }),
      storage: memoryStorage(),
      stagingDir: dir,
      verify: true,
      logger: silentLogger,
      today,
    });
    const onFile = () => {
      throw new Error("progress sink broke");
    };
    await expect(processor({ id: "b", index: 0, files: [f] }, { onFile })).rejects.toThrow(
      "progress sink broke",
    );
  });

  it("collectFiles fetches exactly the given files in batches and records the run like any collect run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const [good, hole, broken] = [file("2023-07-01"), file("2023-07-02"), file("2023-07-03")];
    const downloader = scripted(dir, {
      [good.key]: { body: ZIP, checksum: `${sha(ZIP)}  x.zip` },
      [hole.key]: {},
      [broken.key]: { error: "connection reset" },
    });
    const storage = memoryStorage();
    // The in-process executor, recording the batches it is given.
    const inner = createInProcessExecutor();
    const batches: Batch[] = [];
    async function* recorded(source: AsyncIterable<Batch>) {
      for await (const b of source) {
        batches.push(b);
        yield b;
      }
    }
    const executor: Executor = {
      ...inner,
      run: (req) => inner.run({ ...req, batches: recorded(req.batches) }),
    };
    const seen: Progress[] = [];
    const summary = await collectFiles(
      { catalog: {} as Catalog, downloader, storage, executor, logger: silentLogger },
      [good, hole, broken],
      {
        batchSize: 2,
        concurrency: 2,
        verify: true,
        runId: "20230704T000000Z-abcdef",
        onProgress: (p) => seen.push({ ...p, counts: { ...p.counts } }),
        settings: { extra: 1 },
        today: "2025-11-25",
      },
    );
    expect(batches.map((b) => [b.index, b.files.map((f) => f.period)])).toEqual([
      [0, ["2023-07-01", "2023-07-02"]],
      [1, ["2023-07-03"]],
    ]);
    expect(summary).toMatchObject({
      runId: "20230704T000000Z-abcdef",
      status: "completed_with_failures",
      request: { keys: [good.key, hole.key, broken.key] },
      settings: { batchSize: 2, concurrency: 2, verify: true, extra: 1 },
      planned: 3,
      counts: { downloaded: 1, missing: 1, failed: 1 },
      bytes: ZIP.length,
      notes: [],
      output: "memory://",
      downloader: "scripted",
      executor: "in-process",
    });
    expect(summary.failures.map((f) => [f.key, f.outcome]).sort()).toEqual([
      [hole.key, "missing"],
      [broken.key, "failed"],
    ]);
    expect(JSON.parse(storage.objects.get(runSummaryKey(summary.runId))!.toString())).toEqual(summary);
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3]);
    expect(seen.every((p) => p.planned === 3 && p.planComplete)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ bytes: ZIP.length, counts: summary.counts });
    expect(existsSync(join(tmpdir(), "crypto-lakehouse", summary.runId))).toBe(false);
  });

  it("rolls a file back when its .CHECKSUM cannot be stored after its zip, and stops the batch at a full disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stage-"));
    const [a, b, c] = [file("2023-07-01"), file("2023-07-02"), file("2023-07-03")];
    const answer = { body: ZIP, checksum: `${sha(ZIP)}  x.zip` };
    const downloader = scripted(dir, { [a.key]: answer, [b.key]: answer, [c.key]: answer });
    const storage = memoryStorage();
    // An older copy of b, with its record, is replaced: the failed store must not leave the record vouching.
    storage.objects.set(bronzeKey(b), Buffer.from("old"));
    storage.objects.set(fileRecordKey(bronzeKey(b)), Buffer.from("{}"));
    const put = storage.put.bind(storage);
    storage.put = async (key, source, options) => {
      if (key === `${bronzeKey(b)}.CHECKSUM`)
        throw new LakehouseError("STORAGE_FAILED", "No space left on the device (ENOSPC)", {
          cause: Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }),
        });
      return put(key, source, options);
    };
    const processor = createBatchProcessor({
      runId: "r1",
      downloader,
      storage,
      stagingDir: dir,
      verify: true,
      logger: silentLogger,
      today,
    });
    const seen: string[] = [];
    const batch: Batch = { id: "b", index: 0, files: [a, b, c] };
    const err = await processor(batch, { onFile: (r) => seen.push(`${r.file.key}:${r.outcome}`) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LakehouseError);
    expect((err as LakehouseError).message).toMatch(/is full \(ENOSPC\): the run stopped at .*2023-07-02/);
    // a is stored whole; b is gone entirely (zip, .CHECKSUM, older record) and not counted failed; c, in flight
    // beside b, is stored whole or not at all.
    expect(seen).toContain(`${a.key}:downloaded`);
    expect(seen.filter((x) => !x.endsWith(":downloaded"))).toEqual([]);
    expect(seen.some((x) => x.startsWith(b.key))).toBe(false);
    for (const k of [bronzeKey(b), `${bronzeKey(b)}.CHECKSUM`, fileRecordKey(bronzeKey(b))])
      expect(storage.objects.has(k)).toBe(false);
    for (const f of [a, c]) {
      const whole = [bronzeKey(f), `${bronzeKey(f)}.CHECKSUM`, fileRecordKey(bronzeKey(f))].map((k) =>
        storage.objects.has(k),
      );
      expect(whole).toEqual(whole.map(() => seen.includes(`${f.key}:downloaded`)));
    }
  });
});
