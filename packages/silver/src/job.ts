// The `silver` job kind: what a queue worker runs for a batch of bronze files — the same converter as an in-process
// build (chunks, checks, per-file reports), storing parts into the shared lakehouse and sending each file's report
// back as its result's `detail`. It records nothing itself: the submitter owns the state.
import {
  type BatchProcessor,
  type FileResult,
  LakehouseError,
  type Logger,
  type StorageBackend,
} from "@crypto-lakehouse/core";
import { type Converted, type ConvertItem, convertSteps, type ItemOutcome } from "./converter.js";
import type { SilverTableSchema } from "./schema.js";
import type { BronzeSource, ConvertSettings } from "./types.js";

/** The job kind workers dispatch on. */
export const SILVER_JOB = "silver";

/** A silver job's `spec`: the schemas of the tables its batches hold, and how DuckDB converts. */
export interface SilverJobSpec extends ConvertSettings {
  v: 1;
  /** By `<market>/<dataType>`: workers need no market plugin (a matrix file's overrides are in the schema already). */
  tables: Record<string, SilverTableSchema>;
}

/** A converted file's result detail: its report and the sha256 its rows carry. */
export type SilverDetail = Converted;

export const tableId = (market: string, dataType: string) => `${market}/${dataType}`;

/** A job's spec as this version reads it; another version (a newer submitter) is refused, not guessed at. */
export function checkSilverSpec(spec: unknown, runId: string): SilverJobSpec {
  const s = spec as Partial<SilverJobSpec> | undefined;
  if (s?.v !== 1 || !s.tables || typeof s.tables !== "object") {
    throw new LakehouseError(
      "UNSUPPORTED",
      `Job ${runId}: a silver job spec of version ${String(s?.v)} (this worker reads version 1); upgrade the worker`,
    );
  }
  return s as SilverJobSpec;
}

export interface SilverProcessorOptions {
  runId: string;
  /** Scratch folder (default: `_meta/staging/` of local storage, else the OS temp dir). */
  tempDir?: string;
  logger?: Logger;
}

function resultOf(src: BronzeSource, out: ItemOutcome): FileResult {
  if ("error" in out) return { file: src, outcome: "failed", bytes: 0, durationMs: 0, reason: out.error };
  const r = out.converted.report;
  // `downloaded` stands for converted: the executor's counters know collect's outcomes only.
  return {
    file: src,
    outcome: "downloaded",
    bytes: r.csvBytes,
    durationMs: r.durationMs,
    detail: out.converted,
  };
}

/**
 * A batch processor converting bronze files (the batch's files are BronzeSources) with one DuckDB per batch, so
 * a worker running several batches at once gives each its own.
 */
export function createSilverProcessor(
  storage: StorageBackend,
  spec: SilverJobSpec,
  o: SilverProcessorOptions,
): BatchProcessor {
  return async (batch, ctx) => {
    const results: FileResult[] = [];
    const report = (r: FileResult) => {
      results.push(r);
      ctx.onFile?.(r);
      if (r.bytes) ctx.onBytes?.(r.bytes);
    };
    const works: ConvertItem[] = [];
    for (const f of batch.files) {
      const src = f as BronzeSource;
      const schema = spec.tables[tableId(src.market, src.dataType)];
      if (schema && typeof src.bronzeKey === "string") works.push({ src, schema });
      else report(resultOf(src, { error: `the job has no silver table for ${src.market}/${src.dataType}` }));
    }
    async function* steps() {
      for (const work of works) yield { work };
    }
    o.logger?.debug("silver batch", { batch: batch.id, files: works.length });
    await convertSteps(storage, steps(), (w, out) => report(resultOf(w.src, out)), {
      ...spec,
      runId: batch.id,
      ...(o.tempDir ? { tempDir: o.tempDir } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return results;
  };
}
