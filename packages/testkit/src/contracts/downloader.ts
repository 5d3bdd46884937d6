// The downloader contract suite: vitest cases every Downloader (sdk, s5cmd, …) must pass against a real S3 server.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type {
  ArchiveFile,
  Downloader,
  DownloaderSettings,
  FetchedFile,
  FetchOptions,
  FetchResult,
  RemoteEntry,
} from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTRACT_BUCKET,
  CONTRACT_PRIVATE_BUCKET,
  type ContractArchive,
  DAYS,
  klineFile,
  MISSING_DAY,
  md5,
  NO_CHECKSUM_DAY,
  PAGE_OBJECTS,
  PAGE_PREFIX,
  PAGE_SUBFOLDERS,
  pageFile,
  SPOT_1M,
  sha256,
  startContractArchive,
} from "./downloader-fixtures.js";
import { byteSorted, collect, rejection } from "./storage-fixtures.js";

export interface DownloaderContractSetup {
  /**
   * A downloader for these settings. The suite always passes `endpoint` (its own versitygw), `bucket`,
   * `region`, small `retries` / `timeoutSeconds` and `concurrency`; add whatever else the implementation needs
   * (binary paths, fast backoff for the retry cases).
   */
  create(settings: Partial<DownloaderSettings>): Downloader | Promise<Downloader>;
  /** Runs once after every case (after each created downloader's `close()`). */
  cleanup?(): Promise<void>;
}

/** Registers the downloader contract cases; `setup` runs once before them (in `beforeAll`). */
export function describeDownloaderContract(
  name: string,
  setup: () => DownloaderContractSetup | Promise<DownloaderContractSetup>,
): void {
  describe(`downloader contract: ${name}`, () => {
    let archive: ContractArchive;
    let impl: DownloaderContractSetup;
    const created: Downloader[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      archive = await startContractArchive();
      impl = await setup();
    });
    afterAll(async () => {
      for (const d of created) await d.close?.();
      await impl?.cleanup?.();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
      await archive?.stop();
    });

    async function downloader(settings: Partial<DownloaderSettings> = {}): Promise<Downloader> {
      const d = await impl.create({
        endpoint: archive.endpoint,
        bucket: CONTRACT_BUCKET,
        region: "us-east-1",
        concurrency: 4,
        retries: 1,
        timeoutSeconds: 20,
        ...settings,
      });
      created.push(d);
      return d;
    }
    async function staging(): Promise<string> {
      const d = await mkdtemp(join(tmpdir(), "lakehouse-downloader-staging-"));
      dirs.push(d);
      return d;
    }
    const fetchAll = async (
      d: Downloader,
      files: ArchiveFile[],
      dir: string,
      opts: Partial<FetchOptions> = {},
    ) => collect(d.fetch(files, dir, { withChecksum: true, ...opts }));
    const nameOf = (e: RemoteEntry) => (e.kind === "object" ? e.key : e.prefix);
    const body = (key: string) => archive.objects.get(key)!;
    const byKey = (results: FetchResult[]) => new Map(results.map((r) => [r.file.key, r]));

    /** The staging files of delivered zips (a zip held in memory, `zipBytes`, has none). */
    const stagedNames = (rs: readonly FetchedFile[], dir: string) =>
      rs
        .filter((r) => !r.zipBytes)
        .map((r) => r.zipPath.slice(dir.length + 1))
        .sort();

    /**
     * What a delivered zip must look like: the archive's bytes, staged under a unique name inside the staging dir
     * or held in memory (`zipBytes`).
     */
    async function expectFetched(
      r: FetchResult | undefined,
      file: ArchiveFile,
      dir: string,
    ): Promise<FetchedFile> {
      expect(r?.status, `${file.key}: ${r?.status === "error" ? r.error.message : r?.status}`).toBe(
        "fetched",
      );
      const f = r as FetchedFile;
      const expected = body(file.key);
      expect(f.file).toBe(file);
      expect(dirname(f.zipPath)).toBe(dir);
      expect((f.zipBytes ?? (await readFile(f.zipPath))).equals(expected)).toBe(true);
      expect(f.size).toBe(expected.length);
      // Hashes computed in flight are optional, but never wrong.
      if (f.sha256 !== undefined) expect(f.sha256).toBe(sha256(expected));
      if (f.md5 !== undefined) expect(f.md5).toBe(md5(expected));
      if (f.etag !== undefined) expect(f.etag).toBe(md5(expected));
      expect(f.attempts).toBeGreaterThanOrEqual(1);
      return f;
    }

    it("identifies itself as a downloader", async () => {
      const d = await downloader();
      expect(d.kind).toBe("downloader");
      expect(d.id).toMatch(/^\S+$/);
    });

    describe("list", () => {
      it("yields the sub-folders of a folder as prefixes", async () => {
        const d = await downloader();
        expect(await collect(d.list("data/spot/daily/klines/BTCUSDT/"))).toEqual([
          { kind: "prefix", prefix: "data/spot/daily/klines/BTCUSDT/1h/" },
          { kind: "prefix", prefix: "data/spot/daily/klines/BTCUSDT/1m/" },
        ]);
      });

      it("yields objects in byte order, zip before its CHECKSUM, with size, unquoted MD5 ETag and time", async () => {
        const entries = await collect((await downloader()).list(SPOT_1M));
        const keys = [...archive.objects.keys()].filter((k) => k.startsWith(SPOT_1M));
        expect(entries.map(nameOf)).toEqual(byteSorted(keys));
        expect(entries[0]).toMatchObject({ kind: "object", key: `${SPOT_1M}BTCUSDT-1m-${DAYS[0]}.zip` });
        expect(entries[1]).toMatchObject({ key: `${SPOT_1M}BTCUSDT-1m-${DAYS[0]}.zip.CHECKSUM` });
        for (const e of entries) {
          if (e.kind !== "object") throw new Error(`unexpected prefix ${nameOf(e)}`);
          expect(e.size).toBe(body(e.key).length);
          expect(e.etag).toBe(md5(body(e.key)));
          expect(e.lastModified).toBeInstanceOf(Date);
          expect(Number.isNaN(e.lastModified!.getTime())).toBe(false);
        }
      });

      it("treats a prefix as a string prefix, not only a folder", async () => {
        const stem = `${SPOT_1M}BTCUSDT-1m-${DAYS[0]}`;
        expect((await collect((await downloader()).list(stem))).map(nameOf)).toEqual([
          `${stem}.zip`,
          `${stem}.zip.CHECKSUM`,
        ]);
      });

      it("with delimiter '' lists everything below, objects only", async () => {
        const prefix = "data/spot/daily/klines/";
        const entries = await collect((await downloader()).list(prefix, { delimiter: "" }));
        expect(entries.every((e) => e.kind === "object")).toBe(true);
        expect(entries.map(nameOf)).toEqual(
          byteSorted([...archive.objects.keys()].filter((k) => k.startsWith(prefix))),
        );
      });

      it("lists a missing prefix as empty, not as an error", async () => {
        const d = await downloader();
        expect(await collect(d.list("data/spot/daily/klines/NOSUCHSYMBOL/"))).toEqual([]);
        expect(await collect(d.list("data/nothing-here/", { delimiter: "" }))).toEqual([]);
      });

      it(`pages through more than 1000 entries (${PAGE_OBJECTS} objects + sub-folders), complete and in order`, async () => {
        const entries = await collect((await downloader()).list(PAGE_PREFIX));
        const expected = byteSorted([
          ...Array.from({ length: PAGE_OBJECTS }, (_, i) => pageFile(i).key),
          ...PAGE_SUBFOLDERS,
        ]);
        expect(entries.length).toBe(expected.length);
        expect(entries.map(nameOf)).toEqual(expected);
        for (const p of PAGE_SUBFOLDERS) expect(entries.find((e) => nameOf(e) === p)?.kind).toBe("prefix");
      });

      it("rejects NOT_FOUND for a bucket that does not exist", async () => {
        const d = await downloader({ bucket: "no-such-bucket" });
        const e = await rejection(() => collect(d.list("data/")), ["NOT_FOUND"]);
        expect(e.message).toContain("no-such-bucket");
      });

      it("rejects DOWNLOAD_FAILED (retryable) when the server cannot be reached", async () => {
        const d = await downloader({ endpoint: archive.deadEndpoint, retries: 1, timeoutSeconds: 5 });
        const e = await rejection(() => collect(d.list(SPOT_1M)), ["DOWNLOAD_FAILED", "NETWORK"]);
        expect((e as { retryable?: boolean }).retryable).toBe(true);
      });

      it("rejects CANCELLED when its signal is aborted", async () => {
        const d = await downloader();
        await rejection(() => collect(d.list(SPOT_1M, { signal: AbortSignal.abort() })), ["CANCELLED"]);
      });
    });

    describe("fetch", () => {
      it("stages each zip with its CHECKSUM text, byte for byte", async () => {
        const d = await downloader();
        const dir = await staging();
        const files = [
          klineFile("spot", "1m", DAYS[0]!),
          klineFile("spot", "1m", DAYS[1]!),
          klineFile("futures_um", "1m", DAYS[0]!),
        ];
        const results = byKey(await fetchAll(d, files, dir));
        expect(results.size).toBe(3);
        for (const f of files) {
          const r = await expectFetched(results.get(f.key), f, dir);
          // The sidecar text exactly: spot has no trailing newline, futures has one.
          expect(r.checksumText).toBe(body(`${f.key}.CHECKSUM`).toString("utf8"));
          expect(r.checksumMissing).toBeFalsy();
        }
        expect((results.get(files[2]!.key) as FetchedFile).checksumText).toMatch(/\n$/);
        // Same file name in two folders: two distinct staged files.
        const paths = [...results.values()].map((r) => (r as FetchedFile).zipPath);
        expect(new Set(paths).size).toBe(3);
      });

      it("carries each zip's ETag (MD5, unquoted) and LastModified", async () => {
        // The pipeline tells a stale CHECKSUM from a bad download by comparing the body's MD5 with the ETag,
        // and records both: a downloader that cannot see them in the download must look them up.
        const d = await downloader();
        const dir = await staging();
        const files = [klineFile("spot", "1m", DAYS[1]!), klineFile("futures_um", "1m", DAYS[0]!)];
        for (const r of await fetchAll(d, files, dir)) {
          const f = await expectFetched(r, r.file, dir);
          expect(f.etag).toBe(md5(body(f.file.key)));
          expect(f.lastModified).toBeInstanceOf(Date);
        }
      });

      it("skips the CHECKSUM when withChecksum is false", async () => {
        const d = await downloader();
        const dir = await staging();
        const f = klineFile("spot", "1m", DAYS[2]!);
        const [r] = await fetchAll(d, [f], dir, { withChecksum: false });
        const staged = await expectFetched(r, f, dir);
        expect(staged.checksumText).toBeUndefined();
        expect(staged.checksumMissing).toBeFalsy();
      });

      it("reports a missing zip as not_found after one attempt, leaving no staged file", async () => {
        const d = await downloader();
        const dir = await staging();
        const f = klineFile("spot", "1m", MISSING_DAY);
        expect(await fetchAll(d, [f], dir)).toEqual([{ status: "not_found", file: f, attempts: 1 }]);
        expect(await readdir(dir)).toEqual([]);
      });

      it("reports an unpublished CHECKSUM as checksumMissing, zip still staged", async () => {
        const d = await downloader();
        const dir = await staging();
        const f = klineFile("spot", "1m", NO_CHECKSUM_DAY);
        const [r] = await fetchAll(d, [f], dir);
        const staged = await expectFetched(r, f, dir);
        expect(staged.checksumMissing).toBe(true);
        expect(staged.checksumText).toBeUndefined();
      });

      it("answers once per file in a mixed batch and leaves nothing but the delivered zips", async () => {
        const d = await downloader();
        const dir = await staging();
        const files = [
          ...DAYS.map((day) => klineFile("spot", "1m", day)),
          klineFile("spot", "1m", MISSING_DAY),
          klineFile("spot", "1m", "2025-07-07"),
          klineFile("futures_um", "1m", DAYS[0]!),
          klineFile("spot", "1h", DAYS[0]!),
          ...Array.from({ length: 20 }, (_, i) => pageFile(i * 37)),
        ];
        let bytes = 0;
        const results = await fetchAll(d, files, dir, { onBytes: (n) => (bytes += n) });
        expect(results.map((r) => r.file.key).sort()).toEqual(files.map((f) => f.key).sort());
        const fetched: FetchedFile[] = [];
        for (const f of files) {
          const r = results.find((x) => x.file === f);
          if (f.period === MISSING_DAY || f.period === "2025-07-07") {
            expect(r?.status).toBe("not_found");
            continue;
          }
          const staged = await expectFetched(r, f, dir);
          fetched.push(staged);
          // Page files have no CHECKSUM.
          expect(staged.checksumMissing ?? false).toBe(
            f.dataType === "trades" || f.period === NO_CHECKSUM_DAY,
          );
        }
        // onBytes covers at least every delivered body (failed attempts may count again).
        expect(bytes).toBeGreaterThanOrEqual(fetched.reduce((n, r) => n + r.size, 0));
        expect((await readdir(dir)).sort()).toEqual(stagedNames(fetched, dir));
      });

      it("yields nothing for an empty batch", async () => {
        expect(await fetchAll(await downloader(), [], await staging())).toEqual([]);
      });

      it("keeps concurrent fetches of the same files into one staging dir apart", async () => {
        const d = await downloader();
        const dir = await staging();
        const files = DAYS.slice(0, 3).map((day) => klineFile("spot", "1m", day));
        const [a, b] = await Promise.all([fetchAll(d, files, dir), fetchAll(d, files, dir)]);
        const all = [...a!, ...b!];
        for (const r of all) await expectFetched(r, r.file, dir);
        expect(new Set(all.map((r) => (r as FetchedFile).zipPath)).size).toBe(6);
      });

      it("fails a file for good on 403 (not retried), naming the key", async () => {
        const d = await downloader({ bucket: CONTRACT_PRIVATE_BUCKET, retries: 2 });
        const dir = await staging();
        const f = klineFile("spot", "1m", DAYS[1]!);
        const [r] = await fetchAll(d, [f], dir);
        expect(r?.status).toBe("error");
        if (r?.status !== "error") return;
        expect(r.error.code).toBe("DOWNLOAD_FAILED");
        expect(r.error.retryable).toBe(false);
        expect(r.error.message).toContain(f.key);
        expect(r.attempts).toBe(1);
        expect(await readdir(dir)).toEqual([]);
      });

      it("gives up on an unreachable server after 1 + retries attempts, marked retryable", async () => {
        const d = await downloader({ endpoint: archive.deadEndpoint, retries: 1, timeoutSeconds: 5 });
        const dir = await staging();
        const files = [klineFile("spot", "1m", DAYS[1]!), klineFile("spot", "1m", DAYS[2]!)];
        const results = await fetchAll(d, files, dir);
        expect(results).toHaveLength(2);
        for (const r of results) {
          expect(r.status).toBe("error");
          if (r.status !== "error") continue;
          expect(r.error.code).toBe("DOWNLOAD_FAILED");
          expect(r.error.retryable).toBe(true);
          expect(r.attempts).toBe(2);
        }
        expect(await readdir(dir)).toEqual([]);
      });

      it("stops with CANCELLED on abort and leaves only the zips it delivered", async () => {
        const d = await downloader({ concurrency: 2 });
        const dir = await staging();
        const files = Array.from({ length: 300 }, (_, i) => pageFile(i));
        const controller = new AbortController();
        const delivered: FetchedFile[] = [];
        const run = async () => {
          for await (const r of d.fetch(files, dir, { withChecksum: true, signal: controller.signal })) {
            if (r.status === "fetched") delivered.push(r);
            controller.abort();
          }
        };
        await rejection(run, ["CANCELLED"]);
        expect(delivered.length).toBeGreaterThanOrEqual(1);
        expect(delivered.length).toBeLessThan(files.length);
        expect((await readdir(dir)).sort()).toEqual(stagedNames(delivered, dir));
        await rejection(() => fetchAll(d, files, dir, { signal: AbortSignal.abort() }), ["CANCELLED"]);
      });

      it("cleans up when the caller stops iterating early", async () => {
        const d = await downloader({ concurrency: 2 });
        const dir = await staging();
        const files = Array.from({ length: 300 }, (_, i) => pageFile(i));
        let first: FetchResult | undefined;
        for await (const r of d.fetch(files, dir, { withChecksum: false })) {
          first = r;
          break;
        }
        const staged = await expectFetched(first, first!.file, dir);
        expect(await readdir(dir)).toEqual(stagedNames([staged], dir));
      });
    });
  });
}

// The fixture archive, for implementations' own tests (fault injection, options) beside the contract.
export {
  CONTRACT_BUCKET,
  CONTRACT_PRIVATE_BUCKET,
  type ContractArchive,
  DAYS as CONTRACT_DAYS,
  klineFile as contractKlineFile,
  pageFile as contractPageFile,
  startContractArchive,
} from "./downloader-fixtures.js";
