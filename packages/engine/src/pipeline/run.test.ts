// A run that fails fatally still records its summary (status failed, counts so far, the error) and rethrows.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ArchiveFile,
  Downloader,
  Executor,
  FetchResult,
  LogFields,
  Logger,
  RunSummary,
} from "@crypto-lakehouse/core";
import { LakehouseError, runSummaryKey } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { createInProcessExecutor } from "../executor/in-process.js";
import { type MemoryStorage, memoryStorage } from "./memory-storage.test-util.js";
import { executeRun, failedRunOf, type RunSpec } from "./run.js";

const BODY = Buffer.from("not a zip; verify is off");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function file(period: string): ArchiveFile {
  return {
    market: "spot",
    partition: "daily",
    dataType: "klines",
    symbol: "BTCUSDT",
    interval: "1d",
    period,
    key: `data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-${period}.zip`,
  };
}

/** Answers every file with BODY. */
function downloader(): Downloader {
  const dir = mkdtempSync(join(tmpdir(), "run-test-"));
  let n = 0;
  return {
    kind: "downloader",
    id: "fake",
    async *list() {},
    async *fetch(files: readonly ArchiveFile[]): AsyncGenerator<FetchResult> {
      for (const f of files) {
        const zipPath = join(dir, `${++n}.part`);
        writeFileSync(zipPath, BODY);
        yield { status: "fetched", file: f, zipPath, size: BODY.length, sha256: sha(BODY), attempts: 1 };
      }
    },
  };
}

/** A logger that keeps its warnings. */
function capture(): Logger & { warnings: { msg: string; fields?: LogFields }[] } {
  const warnings: { msg: string; fields?: LogFields }[] = [];
  const l = {
    warnings,
    debug() {},
    info() {},
    warn(msg: string, fields?: LogFields) {
      warnings.push({ msg, ...(fields ? { fields } : {}) });
    },
    error() {},
    child: () => l,
  };
  return l;
}

const LISTING_FAILED = () =>
  new LakehouseError(
    "NETWORK",
    "listing data/futures/um/daily/klines/ at http://user:hunter2@archive.example/?token=abc failed: ECONNREFUSED",
    { details: ["check --endpoint"] },
  );

/** Yields `ok` files, then throws `error` (a listing that fails mid-plan). */
function failingPlan(ok: ArchiveFile[], error: unknown): RunSpec["files"] {
  return ({ progress }) =>
    (async function* () {
      for (const f of ok) {
        progress.planned++;
        yield f;
      }
      throw error;
    })();
}

function spec(over: Partial<RunSpec> & Pick<RunSpec, "files">, logger: Logger = capture()): RunSpec {
  return {
    runId: "20240101T000000Z-f41l3d",
    logger,
    batchSize: 2,
    concurrency: 2,
    verify: false,
    today: "2025-11-25",
    started: { message: "collect started", fields: {} },
    record: () => ({
      request: { markets: ["spot", "futures_um"] },
      settings: { endpoint: "http://user:hunter2@archive.example/" },
      notes: ["a note"],
    }),
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable("the run should have failed"),
    (e: unknown) => e,
  );
}

function stored(storage: MemoryStorage, runId: string): RunSummary | undefined {
  const b = storage.objects.get(runSummaryKey(runId));
  return b ? (JSON.parse(b.toString("utf8")) as RunSummary) : undefined;
}

describe("executeRun when the run fails fatally", () => {
  it("a planning error after a batch was stored: the summary says failed, with the counts so far and the error, and the error is rethrown as it was", async () => {
    const storage = memoryStorage();
    const planError = LISTING_FAILED();
    const s = spec({ files: failingPlan([file("2023-07-01"), file("2023-07-02")], planError) });
    const e = await rejection(
      executeRun({ downloader: downloader(), storage, executor: createInProcessExecutor() }, s),
    );
    expect(e).toBe(planError);

    const summary = stored(storage, s.runId);
    expect(summary).toMatchObject({
      runId: s.runId,
      status: "failed",
      planned: 2,
      counts: { downloaded: 2, failed: 0 },
      bytes: 2 * BODY.length,
      failures: [],
      request: { markets: ["spot", "futures_um"] },
      notes: ["a note"],
      output: "memory://",
      downloader: "fake",
      executor: "in-process",
      error: { code: "NETWORK", details: ["check --endpoint"] },
    });
    // Redacted like the rest of the summary.
    expect(summary!.error!.message).toMatch(
      /^listing data\/futures\/um\/daily\/klines\/ at .* ECONNREFUSED$/,
    );
    expect(JSON.stringify(summary)).not.toMatch(/hunter2|abc/);
    expect(summary!.finishedAt >= summary!.startedAt).toBe(true);
    // The bronze files of the first batch are kept.
    expect([...storage.objects.keys()].filter((k) => k.startsWith("bronze/"))).toHaveLength(2);
    // The caller finds the run from the error.
    expect(failedRunOf(e)).toEqual({ summary, recorded: true });
  });

  it("an executor that fails (a queue submitter losing Redis) is recorded the same way", async () => {
    const storage = memoryStorage();
    const lost = new LakehouseError("NETWORK", "lost the connection to redis://:pw@queue:6379");
    const executor: Executor = {
      kind: "executor",
      id: "queue-fake",
      async run(input) {
        // One batch goes through, then the connection is gone.
        const it = input.batches[Symbol.asyncIterator]();
        const first = await it.next();
        if (!first.done) await input.processor(first.value, { onFile: input.onFile });
        throw lost;
      },
    };
    const s = spec({
      files: async function* () {
        for (const d of ["2023-07-01", "2023-07-02", "2023-07-03"]) yield file(d);
      },
      planned: 3,
    });
    const e = await rejection(executeRun({ downloader: downloader(), storage, executor }, s));
    expect(e).toBe(lost);
    const summary = stored(storage, s.runId)!;
    expect(summary).toMatchObject({
      status: "failed",
      planned: 3,
      counts: { downloaded: 2 },
      executor: "queue-fake",
      error: { code: "NETWORK" },
    });
    expect(summary.error!.message).not.toContain(":pw@");
    expect(summary.error).not.toHaveProperty("details");
  });

  it("anything thrown that is not a LakehouseError is recorded as INTERNAL with its message", async () => {
    const storage = memoryStorage();
    const boom = new TypeError("cannot read properties of undefined");
    const s = spec({ files: failingPlan([], boom) });
    const e = await rejection(
      executeRun({ downloader: downloader(), storage, executor: createInProcessExecutor() }, s),
    );
    expect(e).toBe(boom);
    expect(stored(storage, s.runId)).toMatchObject({
      status: "failed",
      planned: 0,
      counts: { downloaded: 0 },
      error: { code: "INTERNAL", message: "cannot read properties of undefined" },
    });
  });

  it("when the store cannot take the summary either, the original error is rethrown and a warning logged", async () => {
    const storage = memoryStorage();
    const put = storage.put.bind(storage);
    storage.put = async (key, source, options) => {
      if (key.startsWith("_meta/runs/")) {
        throw new LakehouseError("STORAGE_FAILED", `Cannot store ${key}: disk on fire`);
      }
      return put(key, source, options);
    };
    const logger = capture();
    const planError = LISTING_FAILED();
    const s = spec({ files: failingPlan([file("2023-07-01"), file("2023-07-02")], planError) }, logger);
    const e = await rejection(
      executeRun({ downloader: downloader(), storage, executor: createInProcessExecutor() }, s),
    );
    expect(e).toBe(planError);
    expect(stored(storage, s.runId)).toBeUndefined();
    expect(logger.warnings).toEqual([
      {
        msg: "could not record the failed run",
        fields: { key: runSummaryKey(s.runId), error: expect.stringMatching(/disk on fire/) },
      },
    ]);
    // The summary is still there for the caller to show.
    expect(failedRunOf(e)).toMatchObject({
      recorded: false,
      summary: { status: "failed", counts: { downloaded: 2 }, error: { code: "NETWORK" } },
    });
  });

  it("a summary that cannot be stored at the end of a good run fails the run with that error", async () => {
    const storage = memoryStorage();
    const put = storage.put.bind(storage);
    const full = new LakehouseError("STORAGE_FAILED", "Cannot store the run summary: no space left");
    storage.put = async (key, source, options) => {
      if (key.startsWith("_meta/runs/")) throw full;
      return put(key, source, options);
    };
    const s = spec({
      files: async function* () {
        yield file("2023-07-01");
      },
      planned: 1,
    });
    const e = await rejection(
      executeRun({ downloader: downloader(), storage, executor: createInProcessExecutor() }, s),
    );
    expect(e).toBe(full);
    expect(failedRunOf(e)).toMatchObject({
      recorded: false,
      summary: { status: "failed", counts: { downloaded: 1 }, error: { code: "STORAGE_FAILED" } },
    });
  });

  it("a store refused before the run starts records nothing: there is no run yet", async () => {
    const storage = memoryStorage();
    const denied = new LakehouseError(
      "PERMISSION_DENIED",
      "Permission denied writing to output directory: /x",
    );
    storage.checkWritable = async () => {
      throw denied;
    };
    let planned = false;
    const s = spec({
      files: () => {
        planned = true;
        return (async function* () {})();
      },
    });
    const e = await rejection(
      executeRun({ downloader: downloader(), storage, executor: createInProcessExecutor() }, s),
    );
    expect(e).toBe(denied);
    expect(planned).toBe(false);
    expect(storage.objects.size).toBe(0);
    expect(failedRunOf(e)).toBeUndefined();
  });

  it("an error thrown because the run was interrupted (SIGINT) makes it cancelled, not failed", async () => {
    const storage = memoryStorage();
    const controller = new AbortController();
    const s = spec({
      files: ({ progress }) =>
        (async function* () {
          progress.planned++;
          yield file("2023-07-01");
          controller.abort();
          throw new DOMException("This operation was aborted", "AbortError");
        })(),
      signal: controller.signal,
      batchSize: 1,
    });
    const summary = await executeRun(
      { downloader: downloader(), storage, executor: createInProcessExecutor() },
      s,
    );
    expect(summary).toMatchObject({ status: "cancelled", counts: { downloaded: 1 } });
    expect(summary).not.toHaveProperty("error");
    expect(stored(storage, s.runId)).toEqual(summary);
  });
});
