// The conversion engine one process runs, in-process or on a queue worker: zips extracted ahead (on another core)
// into chunks of one table and read plan, each chunk converted by one DuckDB statement, its parts stored while
// DuckDB converts the next chunk. Says what became of every file through `onDone`; records nothing itself.
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { LakehouseError, META, type StorageBackend, stagingName } from "@crypto-lakehouse/core";
import { runAhead, type Step } from "./ahead.js";
import {
  type ChunkFile,
  type ChunkOptions,
  ConversionError,
  convertChunk,
  extractZip,
  type PartOutcome,
  planFile,
  planKey,
} from "./convert.js";
import { type Duck, openDuck } from "./duck.js";
import { silverPartKey } from "./layout.js";
import type { SilverTableSchema } from "./schema.js";
import { bronzeSha256 } from "./state.js";
import type { BronzeSource, ConvertSettings, FileReport } from "./types.js";
import { readsWhole } from "./unzip.js";

/** One bronze file to convert, with its table's schema. */
export interface ConvertItem {
  src: BronzeSource;
  schema: SilverTableSchema;
}

/** A converted file: its report (`silverKey` absent when it held no rows) and the sha256 its rows carry. */
export interface Converted {
  report: FileReport;
  sha256?: string;
}

export type ItemOutcome = { converted: Converted } | { error: string };

export interface Prepared<W extends ConvertItem> {
  work: W;
  file?: ChunkFile;
  error?: string;
  started: number;
}

export interface ConverterOptions<W extends ConvertItem> extends ChunkOptions {
  storage: StorageBackend;
  duck: Duck;
  /** Scratch folder (extracted CSVs, Parquet parts); the caller removes it. */
  workDir: string;
  /** Called once per file, in order, once its part is stored (or it failed). */
  onDone(work: W, outcome: ItemOutcome): void;
}

/** A chunk holds up to this many files and bytes of CSV; a file over the byte limit is a chunk of its own. */
export const CHUNK_FILES = 64;
export const CHUNK_BYTES = 64 * 1024 * 1024;
/**
 * When nothing extracted is waiting, a pending chunk of at least this many files or bytes is converted at once
 * rather than DuckDB idling until the chunk fills (the start of a run, a large file, a slow store): DuckDB's cost
 * per file hardly depends on the chunk size from ~8 files up.
 */
const IDLE_FILES = 16;
const IDLE_BYTES = 8 * 1024 * 1024;
/** Chunk size of the files left when a table (or the run) ends. */
const TAIL_FILES = 16;
/** Parts stored at once. */
const PUTS = 8;

export class Converter<W extends ConvertItem> {
  private seq = 0;
  private pending: Prepared<W>[] = [];
  private pendingBytes = 0;
  /**
   * The chunks' stores, one after the other, while DuckDB converts on: `storing` ends with the last chunk's,
   * `behind` with the one before it — a conversion waits only for that, so at most two chunks wait to be stored.
   */
  private storing: Promise<void> = Promise.resolve();
  private behind: Promise<void> = Promise.resolve();

  constructor(private readonly o: ConverterOptions<W>) {}

  /** Local path of a bronze zip: the file itself on local storage, else a download into the work dir. */
  private async zipPath(src: BronzeSource, n: number): Promise<{ path: string; temp: boolean }> {
    const local = this.o.storage.localPath?.(src.bronzeKey);
    if (local) return { path: local, temp: false };
    const path = join(this.o.workDir, `${n}.zip`);
    const body = await this.o.storage.get(src.bronzeKey);
    await pipeline(body, createWriteStream(path, { highWaterMark: 1024 * 1024 }));
    return { path, temp: true };
  }

  /** Extracts (and scans) one zip, finds its read plan and lineage; failures are part of the result. */
  async prepare(work: W): Promise<Prepared<W>> {
    const n = this.seq++;
    const started = Date.now();
    let zip: { path: string; temp: boolean } | undefined;
    try {
      zip = await this.zipPath(work.src, n);
      // The sha256 the rows carry: a small zip is hashed from the bytes extraction reads anyway; a large one's is
      // its collect record's (verified when collected), else hashed in the same read as its extraction.
      const recorded = readsWhole(work.src.size)
        ? undefined
        : await bronzeSha256(this.o.storage, work.src.bronzeKey);
      const input = await extractZip(
        zip.path,
        join(this.o.workDir, `${n}.csv`),
        work.schema,
        work.src,
        !recorded,
      );
      try {
        const sha256 = input.zipSha256 ?? recorded;
        return {
          work,
          started,
          file: planFile(work.schema, input, { bronzeKey: work.src.bronzeKey, sha256 }),
        };
      } catch (e) {
        await rm(input.csvPath, { force: true });
        throw e;
      }
    } catch (e) {
      const error =
        e instanceof ConversionError || e instanceof LakehouseError
          ? e.message
          : `cannot read the zip: ${(e as Error).message}`;
      return { work, started, error };
    } finally {
      if (zip?.temp) await rm(zip.path, { force: true });
    }
  }

  /** CSV bytes a prepared file holds on scratch disk until converted. */
  static size(p: Prepared<ConvertItem>): number {
    return p.file?.input.csvBytes ?? 0;
  }

  /** Frees a prepared file that will not be converted. */
  static async discard(p: Prepared<ConvertItem>): Promise<void> {
    if (p.file) await rm(p.file.input.csvPath, { force: true });
  }

  /** Takes the next prepared file: chunks are converted when full or when the table or read plan changes. */
  async add(p: Prepared<W>): Promise<void> {
    if (!p.file) {
      this.o.onDone(p.work, { error: p.error ?? "failed" });
      return;
    }
    const head = this.pending[0];
    const bytes = p.file.input.csvBytes;
    if (
      head &&
      (head.work.schema !== p.work.schema ||
        planKey(head.file!) !== planKey(p.file) ||
        this.pending.length >= CHUNK_FILES ||
        this.pendingBytes + bytes > CHUNK_BYTES)
    )
      await this.flush();
    this.pending.push(p);
    this.pendingBytes += bytes;
  }

  /** The producer has nothing ready: convert what is pending if it is worth a statement (see IDLE_FILES). */
  async idle(): Promise<boolean> {
    if (this.pending.length < IDLE_FILES && this.pendingBytes < IDLE_BYTES) return false;
    await this.flush();
    return true;
  }

  /**
   * Converts the pending files (the first `limit` of them) as one chunk; its parts are stored in the background,
   * after the chunks before it (`end` waits for all).
   */
  async flush(limit = CHUNK_FILES): Promise<void> {
    const chunk = this.pending.splice(0, limit);
    if (!chunk.length) return;
    this.pendingBytes -= chunk.reduce((n, p) => n + Converter.size(p), 0);
    const dir = join(this.o.workDir, `chunk-${this.seq++}`);
    let outcomes: PartOutcome[];
    try {
      outcomes = await convertChunk(
        this.o.duck,
        chunk[0]!.work.schema,
        chunk.map((p) => p.file!),
        dir,
        this.o,
      );
    } catch (e) {
      await Promise.all(chunk.map((p) => rm(p.file!.input.csvPath, { force: true })));
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    await this.behind;
    this.behind = this.storing;
    this.storing = this.storing.then(() => this.store(chunk, outcomes, dir));
  }

  /** Converts what is pending (or, cancelled, frees it) and waits until every part is stored. */
  async end(cancelled = false): Promise<void> {
    if (cancelled) {
      const left = this.pending.splice(0);
      this.pendingBytes = 0;
      await Promise.all(left.map((p) => Converter.discard(p)));
    }
    // The last files in small chunks: each one's parts are stored while DuckDB converts the next, so only the last
    // small chunk's puts (two fsyncs each on local storage) are left to wait for.
    while (this.pending.length) await this.flush(TAIL_FILES);
    await this.storing;
  }

  /**
   * Stores a chunk's parts, several at a time (a local put waits for two fsyncs, an S3 put for a round trip), and
   * reports each file; never throws (a failure is the file's outcome). Then removes the chunk's folder (its CSVs).
   */
  private async store(chunk: Prepared<W>[], outcomes: PartOutcome[], dir: string): Promise<void> {
    let next = 0;
    const one = async (i: number) => {
      const p = chunk[i]!;
      const out = outcomes[i] ?? { error: "no result" };
      if ("error" in out) return this.o.onDone(p.work, out);
      try {
        this.o.onDone(p.work, { converted: await this.storePart(p, out.ok) });
      } catch (e) {
        this.o.onDone(p.work, { error: e instanceof Error ? e.message : String(e) });
      }
    };
    const lane = async () => {
      while (next < chunk.length) await one(next++);
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PUTS, chunk.length) }, lane));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async storePart(
    p: Prepared<W>,
    r: Extract<PartOutcome, { ok: unknown }>["ok"],
  ): Promise<Converted> {
    const silverKey = silverPartKey(p.work.src);
    if (r.written && r.parquetPath) {
      await this.o.storage.put(
        silverKey,
        { path: r.parquetPath, consume: true },
        { contentType: "application/vnd.apache.parquet" },
      );
    } else {
      // An empty file leaves no part (an old part of a since-emptied file must not linger).
      await this.o.storage.delete(silverKey);
    }
    const { written, parquetPath: _p, ...report } = r;
    return {
      report: {
        bronzeKey: p.work.src.bronzeKey,
        ...(written ? { silverKey } : {}),
        ...report,
        durationMs: Date.now() - p.started,
      },
      ...(p.file?.sha256 ? { sha256: p.file.sha256 } : {}),
    };
  }
}

/** Extracted CSV that may wait for DuckDB (on scratch disk), and how many files: a whole chunk, and the next. */
const AHEAD_BYTES = 256 * 1024 * 1024;
const AHEAD_FILES = CHUNK_FILES;

/**
 * Scratch folder of one process's conversions. Named like collect's staging (`…-<host>-<pid>`), so the
 * stale-staging clean-up knows whose it is and when it is orphaned.
 */
export async function scratchDir(storage: StorageBackend, runId: string, tempDir?: string): Promise<string> {
  const scratch = stagingName(`silver-${runId}`);
  const dir = tempDir
    ? join(tempDir, scratch)
    : (storage.localPath?.(`${META}/staging/${scratch}`) ?? join(tmpdir(), "crypto-lakehouse", scratch));
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Converts in this process: one producer extracts zips ahead, the consumer hands them to the converter in chunks;
 * a task of the plan (state, reports) waits until every file before it is converted and stored.
 */
export async function convertSteps<W extends ConvertItem>(
  storage: StorageBackend,
  steps: AsyncIterable<Step<W>>,
  onDone: (w: W, o: ItemOutcome) => void,
  opts: ConvertSettings & { runId: string; tempDir?: string; signal?: AbortSignal; now?: () => Date },
): Promise<void> {
  const workDir = await scratchDir(storage, opts.runId, opts.tempDir);
  const duck = await openDuck({
    threads: opts.threads ?? 1,
    memoryLimitMb: opts.memoryLimitMb ?? 256,
    tempDirectory: join(workDir, "duckdb"),
  });
  const converter = new Converter<W>({
    storage,
    duck,
    workDir,
    compression: opts.compression ?? "snappy",
    now: (opts.now ?? (() => new Date()))(),
    onDone,
  });
  async function* ordered(): AsyncGenerator<Step<W>> {
    // A task (state, a table report) waits until every file before it is converted and stored.
    for await (const step of steps) {
      if ("work" in step) yield step;
      else
        yield {
          ...step,
          task: async () => {
            await converter.end();
            await step.task();
          },
        };
    }
  }
  try {
    await runAhead<W, Prepared<W>>(ordered(), {
      prepare: (w) => converter.prepare(w),
      size: Converter.size,
      consume: (p) => converter.add(p),
      idle: () => converter.idle(),
      discard: Converter.discard,
      budgetBytes: AHEAD_BYTES,
      budgetItems: AHEAD_FILES,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    await converter.end(opts.signal?.aborted);
  } finally {
    await converter.end(true).catch(() => {});
    duck.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
