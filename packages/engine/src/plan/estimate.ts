// Before downloading: how many files and bytes a plan means (sizes from the archive's listing, one listing per
// folder), how much of it bronze already holds, and how long the rest would take at the throughput the lakehouse's
// last runs measured. `collect` uses it to refuse a selection the local disk clearly cannot hold.
import { statfs } from "node:fs/promises";
import type { ArchiveFile, StorageBackend } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";
import type { BronzeIndex } from "../pipeline/resume.js";
import { listRunSummaries } from "../pipeline/runs.js";
import type { Lister } from "./planner.js";

export interface FilesBytes {
  files: number;
  bytes: number;
}

export interface PlanEstimate {
  /** Every planned file; `bytes` counts those the listing has. */
  planned: FilesBytes;
  /** Planned files the archive's listing does not have (holes, not published yet): a 404 each if fetched. */
  notListed: number;
  /** Already in bronze (and verified, as resume counts it). */
  stored: FilesBytes;
  /** What a run would download. */
  toFetch: FilesBytes;
  /** Throughput of the last runs that downloaded something, when there are such runs. */
  throughput?: { bytesPerSecond: number; filesPerSecond: number; runs: number };
  /** `toFetch` at that throughput (the larger of the bytes and files rates' times). */
  etaSeconds?: number;
}

/** Folders listed ahead of the file being counted: one listing after the other, N folders cost N round trips. */
const FOLDERS_AHEAD = 8;

const folderOf = (key: string) => key.slice(0, key.lastIndexOf("/") + 1);

/** Sizes of one archive folder's zips, listed once; the oldest folder is dropped first. */
class Sizes {
  private readonly folders = new Map<string, Promise<Map<string, number>>>();
  constructor(private readonly lister: Lister) {}
  /** Starts listing the folder (if not yet): its sizes are then awaited with `of`. */
  list(prefix: string): Promise<Map<string, number>> {
    let p = this.folders.get(prefix);
    if (!p) {
      p = (async () => {
        const sizes = new Map<string, number>();
        for await (const e of this.lister(prefix, "/")) if (e.kind === "object") sizes.set(e.key, e.size);
        return sizes;
      })();
      // A folder listed ahead may never be awaited (an earlier one failed): its failure is reported by `of`.
      p.catch(() => {});
      this.folders.set(prefix, p);
      if (this.folders.size > 256) this.folders.delete(this.folders.keys().next().value!);
    }
    return p;
  }
  async of(key: string): Promise<number | undefined> {
    return (await this.list(folderOf(key))).get(key);
  }
}

/**
 * The plan's files in order, the listings of the next FOLDERS_AHEAD folders started before the first of them is
 * handed out (a plan goes folder by folder; at most those folders' files are held).
 */
async function* listedAhead(files: AsyncIterable<ArchiveFile>, sizes: Sizes): AsyncGenerator<ArchiveFile> {
  const held: ArchiveFile[] = [];
  const folders: string[] = [];
  for await (const f of files) {
    const folder = folderOf(f.key);
    if (folders.at(-1) !== folder) {
      folders.push(folder);
      void sizes.list(folder);
    }
    held.push(f);
    while (folders.length > FOLDERS_AHEAD) {
      const next = held.shift()!;
      if (folderOf(held[0]?.key ?? "") !== folderOf(next.key)) folders.shift();
      yield next;
    }
  }
  yield* held;
}

/** Runs whose throughput counts: the newest `limit` that downloaded something. */
export async function measuredThroughput(
  storage: StorageBackend,
  limit = 5,
): Promise<PlanEstimate["throughput"]> {
  const runs = (await listRunSummaries(storage, { onError: () => undefined }))
    .filter((r) => r.bytes > 0 && r.durationMs > 0 && (r.counts.downloaded ?? 0) > 0)
    .slice(0, limit);
  if (!runs.length) return undefined;
  const ms = runs.reduce((n, r) => n + r.durationMs, 0);
  const bytes = runs.reduce((n, r) => n + r.bytes, 0);
  const files = runs.reduce((n, r) => n + (r.counts.downloaded ?? 0) + (r.counts.unverified ?? 0), 0);
  return { bytesPerSecond: (bytes * 1000) / ms, filesPerSecond: (files * 1000) / ms, runs: runs.length };
}

/** Sizes up `files` from the listing and, with `index`, what bronze holds; throughput from `storage`'s runs. */
export async function estimatePlan(
  files: AsyncIterable<ArchiveFile>,
  o: { lister: Lister; index?: BronzeIndex; storage?: StorageBackend },
): Promise<PlanEstimate> {
  const sizes = new Sizes(o.lister);
  const e: PlanEstimate = {
    planned: { files: 0, bytes: 0 },
    notListed: 0,
    stored: { files: 0, bytes: 0 },
    toFetch: { files: 0, bytes: 0 },
  };
  for await (const f of listedAhead(files, sizes)) {
    const size = await sizes.of(f.key);
    e.planned.files++;
    e.planned.bytes += size ?? 0;
    if (o.index && (await o.index.isDone(f))) {
      e.stored.files++;
      e.stored.bytes += size ?? 0;
      continue;
    }
    if (size === undefined) {
      e.notListed++;
      continue;
    }
    e.toFetch.files++;
    e.toFetch.bytes += size;
  }
  const t = o.storage ? await measuredThroughput(o.storage) : undefined;
  if (t) {
    e.throughput = t;
    e.etaSeconds = Math.max(e.toFetch.bytes / t.bytesPerSecond, e.toFetch.files / t.filesPerSecond);
  }
  return e;
}

/** Free bytes where `path` lives, or undefined when the file system cannot say. */
export async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const s = await statfs(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Refuses (`NO_SPACE`) when the local disk at `path` clearly cannot hold `needed` bytes: a zip is staged and
 * then moved into bronze on the same disk, so the need is the download itself. Unknown free space passes.
 */
export async function assertRoomFor(path: string, needed: FilesBytes, where: string): Promise<void> {
  const free = await freeBytes(path);
  if (free === undefined || needed.bytes <= free) return;
  const gb = (n: number) => `${(n / 1e9).toFixed(n < 1e8 ? 3 : 1)} GB`;
  throw new LakehouseError(
    "NO_SPACE",
    `Not enough space in ${where}: the selection needs ${gb(needed.bytes)} (${needed.files} file${needed.files === 1 ? "" : "s"} to download) and ${gb(free)} are free; nothing was downloaded`,
    {
      details: [
        "Free space there, choose another --output, or narrow the selection (--start/--end, fewer symbols or types).",
        "Sizes come from the archive's listing; files already in bronze are not counted.",
      ],
    },
  );
}
