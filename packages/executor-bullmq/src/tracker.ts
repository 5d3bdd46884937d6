// The submitter's bookkeeping of a queued run: the jobs it waits for, the files it wants from each, and every file
// reported exactly once (live from progress events, or when the job settles).
import type { ArchiveFile, ExecutorRunInput } from "@crypto-lakehouse/core";
import { type BatchJobResult, type BatchProgress, fromStored, type StoredResult } from "./jobs.js";
import { Wakeup } from "./wakeup.js";

/** A job this submitter waits for, and the files of this run it wants results for. */
/** A job this submitter waits for, and the files of this run it wants results for. */
interface Tracked {
  files: Map<string, ArchiveFile>;
  reported: Set<string>;
  /** Bytes already passed to `onBytes` for this job. */
  bytes: number;
  since: number;
}

export class BatchTracker {
  private readonly tracked = new Map<string, Tracked>();
  /** Notified whenever a job settles (or the run should look again). */
  readonly wake = new Wakeup();

  constructor(private readonly input: Pick<ExecutorRunInput, "onFile" | "onBytes">) {}

  get size(): number {
    return this.tracked.size;
  }

  has(jobId: string): boolean {
    return this.tracked.has(jobId);
  }

  /** Files not reported yet, over every job still awaited. */
  unreported(): number {
    return [...this.tracked.values()].reduce((n, t) => n + t.files.size - t.reported.size, 0);
  }

  /** Jobs awaited for at least `ms`: worth asking the queue about. */
  due(ms: number): string[] {
    return [...this.tracked].filter(([, t]) => Date.now() - t.since >= ms).map(([id]) => id);
  }

  track(jobId: string, files: Iterable<ArchiveFile>): Tracked {
    let t = this.tracked.get(jobId);
    if (!t) {
      t = { files: new Map(), reported: new Set(), bytes: 0, since: Date.now() };
      this.tracked.set(jobId, t);
    }
    for (const f of files) t.files.set(f.key, f);
    return t;
  }

  private report(t: Tracked, results: readonly StoredResult[]): void {
    for (const s of results) {
      const file = t.files.get(s.key);
      if (!file || t.reported.has(s.key)) continue;
      t.reported.add(s.key);
      this.input.onFile(fromStored(s, file));
    }
  }

  onProgress(jobId: string, p: BatchProgress): void {
    const t = this.tracked.get(jobId);
    if (!t || !p || typeof p !== "object") return;
    // Live results are final outcomes only (workers hold `failed` back until the batch's last attempt).
    if (Array.isArray(p.results)) this.report(t, p.results);
    if (typeof p.bytes === "number" && p.bytes > t.bytes) {
      this.input.onBytes?.(p.bytes - t.bytes);
      t.bytes = p.bytes;
    }
  }

  /** A finished job: report every wanted file exactly once, with the job's failure for any it has no result for. */
  settle(jobId: string, result: BatchJobResult | undefined, failure?: string): void {
    const t = this.tracked.get(jobId);
    if (!t) return;
    this.tracked.delete(jobId);
    if (result) {
      this.report(t, result.results);
      const total = result.results.reduce((n, r) => n + (t.files.has(r.key) ? r.bytes : 0), 0);
      if (total > t.bytes) this.input.onBytes?.(total - t.bytes);
    }
    const reason = failure ?? "the worker returned no result for this file";
    for (const [key, file] of t.files) {
      if (t.reported.has(key)) continue;
      t.reported.add(key);
      this.input.onFile({ file, outcome: "failed", bytes: 0, durationMs: 0, reason });
    }
    this.wake.notify();
  }
}
