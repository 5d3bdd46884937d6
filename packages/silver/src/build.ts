// The silver build: list bronze, decide what is new or changed, convert file by file (zips extracted ahead, across
// tables, while DuckDB converts the ones before; each Parquet file stored while DuckDB converts the next), store
// Parquet through the StorageBackend, record state and quality reports.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  checkRunId,
  LakehouseError,
  type MarketPlugin,
  META,
  type StorageBackend,
  silentLogger,
  stagingName,
} from "@crypto-lakehouse/core";
import { runAhead, type Step } from "./ahead.js";
import { ConversionError, type ConvertResult, type CsvInput, convertCsv, extractZip } from "./convert.js";
import { openDuck } from "./duck.js";
import { parseBronzeKey, silverPartKey, silverRunKey } from "./layout.js";
import { DEFAULT_MARKETS } from "./markets.js";
import { writeTableReport } from "./report.js";
import { type SilverTableSchema, silverSchema } from "./schema.js";
import { compileSelection } from "./selection.js";
import {
  bronzeSha256,
  type FileState,
  readState,
  SILVER_FORMAT,
  type SymbolState,
  sameListing,
  writeState,
} from "./state.js";
import type {
  BronzeSource,
  ConvertOptions,
  FailedFile,
  FileOutcome,
  FileReport,
  SilverProgress,
  SilverRunSummary,
  SilverSelection,
  TableReport,
} from "./types.js";

export function newSilverRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${ts}-${randomBytes(3).toString("hex")}`;
}

interface Table {
  market: MarketPlugin;
  dataType: string;
  schema: SilverTableSchema;
  sources: BronzeSource[];
}

interface Work {
  table: Table;
  src: BronzeSource;
  state: SymbolState;
}

interface Prepared {
  work: Work;
  csv?: CsvInput;
  error?: string;
}

/** Extracted CSV that may wait for DuckDB (on scratch disk), and how many files: enough to keep it busy. */
const AHEAD_BYTES = 256 * 1024 * 1024;
const AHEAD_FILES = 32;

const seriesMonth = (f: Pick<BronzeSource, "interval" | "period">) =>
  `${f.interval ?? ""}|${f.period.slice(0, 7)}`;

/** Lists the selected bronze files, table by table (only data types whose plugin has a CSV schema). */
async function listTables(
  storage: StorageBackend,
  markets: readonly MarketPlugin[],
  sel: SilverSelection,
  notes: string[],
): Promise<Table[]> {
  const filter = compileSelection(sel, markets);
  const byId = new Map(markets.map((m) => [m.id, m]));
  for (const m of sel.markets ?? []) {
    if (!byId.has(m))
      throw new LakehouseError(
        "CONFIG_INVALID",
        `--market: '${m}' is not a known market (known: ${[...byId.keys()].join(", ")})`,
      );
  }
  const known = new Set(markets.flatMap((m) => Object.keys(m.matrix.dataTypes)));
  for (const dt of sel.dataTypes ?? []) {
    if (!known.has(dt))
      throw new LakehouseError(
        "CONFIG_INVALID",
        `--data-types: '${dt}' is not a data type of any market (known: ${[...known].sort().join(", ")})`,
      );
  }
  const tables: Table[] = [];
  for (const market of markets) {
    if (!filter.market(market.id)) continue;
    for (const [dataType, spec] of Object.entries(market.matrix.dataTypes)) {
      if (!filter.dataType(dataType)) continue;
      if (!spec.csv) {
        notes.push(`${market.id}/${dataType}: no CSV schema in the market plugin; not converted`);
        continue;
      }
      const sources: BronzeSource[] = [];
      for await (const o of storage.list(`bronze/${market.id}/${dataType}/`)) {
        if (!o.key.endsWith(".zip")) continue;
        const f = parseBronzeKey(o.key, byId);
        if (!f) {
          notes.push(`${o.key}: not an archive file name; ignored`);
          continue;
        }
        const src: BronzeSource = {
          ...f,
          size: o.size,
          ...(o.lastModified ? { lastModified: o.lastModified.toISOString() } : {}),
          ...(o.etag ? { etag: o.etag } : {}),
        };
        if (filter.file(src)) sources.push(src);
      }
      if (sources.length) tables.push({ market, dataType, schema: silverSchema(market, dataType), sources });
    }
  }
  return tables;
}

export async function convertBronze(
  storage: StorageBackend,
  selection: SilverSelection = {},
  opts: ConvertOptions = {},
): Promise<SilverRunSummary> {
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId !== undefined ? checkRunId(opts.runId) : newSilverRunId(now());
  const logger = (opts.logger ?? silentLogger).child({ runId, stage: "silver" });
  const startedAt = Date.now();
  const notes: string[] = [];
  const failures: FailedFile[] = [];
  const converted: FileReport[] = [];
  const counts: Record<FileOutcome, number> = { converted: 0, unchanged: 0, superseded: 0, failed: 0 };
  const progress: SilverProgress = {
    runId,
    planned: 0,
    planComplete: false,
    done: 0,
    counts,
    csvBytes: 0,
    rows: 0,
    startedAt,
  };
  const emit = () => opts.onProgress?.(progress);
  let parquetBytes = 0;
  let duplicatesDropped = 0;

  await storage.checkWritable();
  const tables = await listTables(storage, opts.markets ?? DEFAULT_MARKETS, selection, notes);
  progress.planned = tables.reduce((n, t) => n + t.sources.length, 0);
  progress.planComplete = true;
  emit();

  // Named like collect's staging (`…-<host>-<pid>`), so the stale-staging clean-up knows whose it is and when it is
  // orphaned, instead of guessing from a name that could parse as someone else's.
  const scratch = stagingName(`silver-${runId}`);
  const workDir = opts.tempDir
    ? join(opts.tempDir, scratch)
    : (storage.localPath?.(`${META}/staging/${scratch}`) ?? join(tmpdir(), "crypto-lakehouse", scratch));
  await mkdir(workDir, { recursive: true });
  const duck = await openDuck({
    threads: opts.threads ?? 1,
    memoryLimitMb: opts.memoryLimitMb ?? 256,
    tempDirectory: join(workDir, "duckdb"),
  });
  let seq = 0;
  const dirty = new Set<SymbolState>();

  const finish = (key: string, outcome: FileOutcome, reason?: string) => {
    progress.done++;
    counts[outcome]++;
    progress.last = { key, outcome, ...(reason ? { reason } : {}) };
    if (outcome === "failed") failures.push({ key, reason: reason ?? "failed" });
    emit();
  };

  /** Local path of a bronze zip: the file itself on local storage, else a download into the work dir. */
  const zipPath = async (src: BronzeSource, n: number): Promise<{ path: string; temp: boolean }> => {
    const local = storage.localPath?.(src.bronzeKey);
    if (local) return { path: local, temp: false };
    const path = join(workDir, `${n}.zip`);
    await pipeline(await storage.get(src.bronzeKey), createWriteStream(path, { highWaterMark: 1024 * 1024 }));
    return { path, temp: true };
  };

  const prepare = async (work: Work): Promise<Prepared> => {
    const n = seq++;
    let zip: { path: string; temp: boolean } | undefined;
    try {
      zip = await zipPath(work.src, n);
      const csv = await extractZip(zip.path, join(workDir, `${n}.csv`), work.table.schema, work.src);
      return { work, csv };
    } catch (e) {
      return {
        work,
        error: e instanceof LakehouseError ? e.message : `cannot read the zip: ${(e as Error).message}`,
      };
    } finally {
      if (zip?.temp) await rm(zip.path, { force: true });
    }
  };

  const failed = (key: string, e: unknown) => {
    const reason = e instanceof ConversionError ? e.message : cleanDuckError(e);
    logger.warn("silver conversion failed", { key, reason });
    finish(key, "failed", reason);
  };

  /** Stores one converted file and records it; never throws (a failure is the file's outcome). */
  const store = async (work: Work, r: ConvertResult, parquetPath: string, started: number) => {
    const { src, state } = work;
    try {
      const silverKey = silverPartKey(src);
      if (r.written) {
        await storage.put(
          silverKey,
          { path: parquetPath },
          { contentType: "application/vnd.apache.parquet" },
        );
      } else {
        // An empty file leaves no part (an old part of a since-emptied file must not linger).
        await storage.delete(silverKey);
      }
      const { written, ...report } = r;
      const sha256 = await bronzeSha256(storage, src.bronzeKey);
      const fileReport: FileReport = {
        bronzeKey: src.bronzeKey,
        ...(written ? { silverKey } : {}),
        ...report,
        durationMs: Date.now() - started,
      };
      state.files[src.bronzeKey] = {
        ...fingerprint(src),
        ...(sha256 ? { sha256 } : {}),
        status: "converted",
        format: SILVER_FORMAT,
        runId,
        at: new Date().toISOString(),
        report: fileReport,
      };
      dirty.add(state);
      converted.push(fileReport);
      progress.csvBytes += r.csvBytes;
      progress.rows += r.rows;
      parquetBytes += r.parquetBytes;
      duplicatesDropped += r.duplicatesDropped;
      finish(src.bronzeKey, "converted");
    } catch (e) {
      failed(src.bronzeKey, e);
    } finally {
      await rm(parquetPath, { force: true });
    }
  };
  /** The file being stored while DuckDB converts the next one (at most one). */
  let storing: Promise<void> = Promise.resolve();

  const convertOne = async (p: Prepared): Promise<void> => {
    const { src, table } = p.work;
    const started = Date.now();
    if (p.error || !p.csv) {
      logger.warn("silver conversion failed", { key: src.bronzeKey, reason: p.error });
      finish(src.bronzeKey, "failed", p.error);
      return;
    }
    const parquetPath = join(workDir, `${seq++}.parquet`);
    let r: ConvertResult;
    try {
      r = await convertCsv(duck, table.schema, p.csv, parquetPath, {
        compression: opts.compression ?? "snappy",
        now: now(),
      });
    } catch (e) {
      failed(src.bronzeKey, e);
      await rm(parquetPath, { force: true });
      return;
    } finally {
      await rm(p.csv.csvPath, { force: true });
    }
    await storing;
    storing = store(p.work, r, parquetPath, started);
  };

  const flush = async () => {
    await storing;
    for (const s of dirty) await writeState(storage, s);
    dirty.clear();
  };

  const touched: TableReport[] = [];
  /** Every table's work in order; a table's daily files are planned once its monthly files are converted. */
  async function* plan(): AsyncGenerator<Step<Work>> {
    for (const table of tables) {
      if (opts.signal?.aborted) return;
      const states = new Map<string, SymbolState>();
      for (const sym of new Set(table.sources.map((s) => s.symbol))) {
        states.set(sym, await readState(storage, table.market.id, table.dataType, sym));
      }
      const needs = async (src: BronzeSource, state: SymbolState): Promise<boolean> => {
        const prev = state.files[src.bronzeKey];
        if (opts.force || !prev || prev.format !== SILVER_FORMAT || prev.status !== "converted") return true;
        if (sameListing(prev, src)) return false;
        const sha = await bronzeSha256(storage, src.bronzeKey);
        if (sha && sha === prev.sha256) {
          // Stored again with the same bytes (e.g. a forced re-download): remember the new listing, nothing to do.
          state.files[src.bronzeKey] = { ...prev, ...fingerprint(src) };
          dirty.add(state);
          return false;
        }
        return true;
      };

      // Monthly files first: a converted monthly file supersedes the daily files of its month (same series).
      let monthly = 0;
      for (const src of table.sources.filter((s) => s.partition === "monthly")) {
        const state = states.get(src.symbol)!;
        if (await needs(src, state)) {
          monthly++;
          yield { work: { table, src, state } };
        } else finish(src.bronzeKey, "unchanged");
      }
      // Which daily files are superseded depends on those conversions: plan them after.
      if (monthly) yield { task: flush, fence: true };

      const covers = new Map([...states.values()].map((s) => [s, monthlyCovers(s)]));
      for (const src of table.sources.filter((s) => s.partition === "daily")) {
        const state = states.get(src.symbol)!;
        const cover = covers.get(state)!.get(seriesMonth(src));
        if (cover) {
          await supersede(storage, state, src, cover, runId);
          dirty.add(state);
          finish(src.bronzeKey, "superseded");
        } else if (await needs(src, state)) yield { work: { table, src, state } };
        else finish(src.bronzeKey, "unchanged");
      }
      yield {
        task: async () => {
          await flush();
          const report = await writeTableReport(storage, table.market.id, table.dataType, table.schema);
          // The run record stays small: the full per-series report lives in _meta/silver/tables/.
          touched.push({
            ...report,
            seriesTotal: report.series.length,
            series: report.series.filter((s) => s.gaps?.count).slice(0, 20),
          });
        },
      };
    }
  }

  try {
    await runAhead(plan(), {
      prepare,
      size: (p) => p.csv?.csvBytes ?? 0,
      consume: convertOne,
      discard: async (p) => {
        if (p.csv) await rm(p.csv.csvPath, { force: true });
      },
      budgetBytes: AHEAD_BYTES,
      budgetItems: AHEAD_FILES,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await flush().catch((e) => logger.error("could not save silver state", { error: (e as Error).message }));
    duck.close();
    await rm(workDir, { recursive: true, force: true });
  }

  const status: SilverRunSummary["status"] = opts.signal?.aborted
    ? "cancelled"
    : counts.failed > 0
      ? "completed_with_failures"
      : "completed";
  const summary: SilverRunSummary = {
    runId,
    status,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
    selection,
    planned: progress.planned,
    counts,
    csvBytes: progress.csvBytes,
    parquetBytes,
    rows: progress.rows,
    duplicatesDropped,
    failures,
    tables: touched,
    files: converted.sort((a, b) => (a.bronzeKey < b.bronzeKey ? -1 : a.bronzeKey > b.bronzeKey ? 1 : 0)),
    notes,
    output: storage.location,
  };
  // The run record leaves out the per-file reports: each is stored with its file's state already, and a large run's
  // list would make the record tens of MB.
  const { files: _files, ...record } = summary;
  await storage.put(
    silverRunKey(runId),
    { data: JSON.stringify(record, null, 2) },
    { contentType: "application/json" },
  );
  logger.info("silver build finished", { status, counts });
  return summary;
}

function fingerprint(
  src: BronzeSource,
): Pick<FileState, "partition" | "period" | "interval" | "size" | "lastModified" | "etag"> {
  return {
    partition: src.partition,
    period: src.period,
    ...(src.interval ? { interval: src.interval } : {}),
    size: src.size,
    ...(src.lastModified ? { lastModified: src.lastModified } : {}),
    ...(src.etag ? { etag: src.etag } : {}),
  };
}

/** Series-months (`interval|YYYY-MM`) that a converted monthly file holds, with that file's key. */
function monthlyCovers(state: SymbolState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, f] of Object.entries(state.files)) {
    if (f.partition === "monthly" && f.status === "converted" && f.report?.silverKey !== undefined)
      out.set(seriesMonth(f), key);
  }
  return out;
}

async function supersede(
  storage: StorageBackend,
  state: SymbolState,
  src: BronzeSource,
  by: string,
  runId: string,
): Promise<void> {
  const prev = state.files[src.bronzeKey];
  if (prev?.status === "converted" && prev.report?.silverKey) await storage.delete(prev.report.silverKey);
  state.files[src.bronzeKey] = {
    ...fingerprint(src),
    status: "superseded",
    supersededBy: by,
    format: SILVER_FORMAT,
    runId: prev?.status === "superseded" ? prev.runId : runId,
    at: prev?.status === "superseded" ? prev.at : new Date().toISOString(),
  };
}

/** DuckDB's messages carry a hint block meant for its own CLI; keep the first lines, which say what and where. */
export function cleanDuckError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg.split("\n").filter((l) => l.trim() !== "");
  const cut = lines.findIndex((l) =>
    /^(Possible solutions|Column .* is being converted|This type was)/.test(l),
  );
  return (cut > 0 ? lines.slice(0, cut) : lines.slice(0, 4)).join(" | ");
}
