// Decides which planned files are already in bronze and verified, listing each folder once (never one request
// per file), so 100k planned files are checked in seconds. With `refresh_changed` it also lists each archive
// folder once and counts a stored file whose recorded ETag or size differs from the archive's as not done (that
// reads each stored file's record, 16 at a time, unless the store's listing shows the same MD5 ETag already).
import type { FileRecord, RemoteEntry, RemoteObject, StorageBackend } from "@crypto-lakehouse/core";
import {
  type ArchiveFile,
  basename,
  bronzeFolder,
  bronzeKey,
  CHECKSUM_SUFFIX,
  fileRecordFolder,
  fileRecordKey,
} from "@crypto-lakehouse/core";

export interface BronzeIndexOptions {
  /**
   * The run verifies (download_checksum, default true): then a stored file counts only if it was verified too,
   * i.e. the archive's `.CHECKSUM` is stored beside its zip — collect stores it exactly when it verified the zip
   * against it (and removes an older one when it stores a zip unverified).
   */
  verify?: boolean;
  /**
   * refresh_changed: lists an archive folder (paginated, delimiter `/`); a stored file whose recorded ETag or size
   * differs from the listing's is not done. Absent: the archive is not consulted.
   */
  remote?: (prefix: string) => AsyncIterable<RemoteEntry>;
  /**
   * Lists an archive folder for stored files the run would fetch again as unverified (no `.CHECKSUM` beside them):
   * one stored unverified because the archive published no `.CHECKSUM` is done while the archive still has none,
   * and fetched again (promoted to verified, or quarantined) once it has one. Defaults to `remote`.
   */
  archive?: (prefix: string) => AsyncIterable<RemoteEntry>;
  /** Folders (bronze and archive) kept listed at once (default 256); the plan visits them in order. */
  maxFolders?: number;
}

/** Why a planned file is (not) skipped; `reason` says it in words for the run's notes and log. */
export type ResumeDecision =
  | { done: true; reason?: string }
  | { done: false; why: "absent" }
  | {
      done: false;
      why: "unverified" | "changed" | "damaged";
      reason: string;
      /** The archive's copy as listed (when the archive was listed for the decision). */
      remote?: RemoteObject;
    };

/** An archive folder's zips and which of them have a `.CHECKSUM`, from one listing. */
interface ArchiveFolder {
  objects: Map<string, RemoteObject>;
  sums: Set<string>;
}

/** Planned files checked at once with `remote` (each may read its record); without it, one (no reads). */
const REFRESH_LOOKAHEAD = 16;

interface Stored {
  /** Zip size in the store. */
  size: number;
  /** A `.CHECKSUM` is stored beside the zip. */
  checksum: boolean;
  /** The zip's ETag in the store's listing (S3 stores: the MD5 of a single-part upload), normalised. */
  etag?: string;
  /**
   * The listing shows the zip modified after its record was written: something other than collect changed it
   * (collect writes the record last), so its record is read and compared.
   */
  touched: boolean;
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/** ETags compare without quotes, weak markers or case. */
function normalEtag(etag: string | undefined): string | undefined {
  return etag
    ?.replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1")
    .toLowerCase();
}

/** A small insertion-ordered cache: the oldest folder goes first. */
class FolderCache<T> {
  private readonly map = new Map<string, Promise<T>>();
  constructor(private readonly max: number) {}
  get(key: string, load: (key: string) => Promise<T>): Promise<T> {
    let p = this.map.get(key);
    if (!p) {
      p = load(key);
      this.map.set(key, p);
      if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    }
    return p;
  }
}

export class BronzeIndex {
  private readonly stored: FolderCache<Map<string, Stored>>;
  private readonly archive: FolderCache<ArchiveFolder>;
  private readonly verify: boolean;

  constructor(
    private readonly storage: StorageBackend,
    private readonly options: BronzeIndexOptions = {},
  ) {
    this.verify = options.verify ?? true;
    this.stored = new FolderCache(options.maxFolders ?? 256);
    this.archive = new FolderCache(options.maxFolders ?? 256);
  }

  /** True when the file counts as collected (see `check`). */
  async isDone(f: ArchiveFile): Promise<boolean> {
    return (await this.check(f)).done;
  }

  /**
   * Done when the file's zip and its record are both in the store, and — when the run verifies — its `.CHECKSUM`
   * too (it was verified), and — with `remote` — the archive's listing shows the same object as recorded.
   */
  async check(f: ArchiveFile): Promise<ResumeDecision> {
    const folder = bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval);
    const name = basename(f.key);
    const s = (await this.stored.get(folder, (k) => this.loadStored(k))).get(name);
    if (!s) return { done: false, why: "absent" };
    if (this.verify && !s.checksum) return this.unverified(f);
    if (s.touched) {
      const damaged = await this.damaged(f, s);
      if (damaged) return { done: false, why: "damaged", reason: damaged };
    }
    if (this.options.remote) {
      const changed = await this.changed(f, s);
      if (changed) {
        const remote = (await this.archiveFolder(f))?.objects.get(basename(f.key));
        return { done: false, why: "changed", reason: changed, ...(remote ? { remote } : {}) };
      }
    }
    return { done: true };
  }

  /**
   * `check` over a stream of planned files, in order. With `remote`, up to 16 files are checked at once, so the
   * record reads a refresh needs overlap.
   */
  async *checkAll(files: AsyncIterable<ArchiveFile>): AsyncGenerator<[ArchiveFile, ResumeDecision]> {
    if (!this.options.remote) {
      // Nothing to overlap: every check is answered from folder listings.
      for await (const f of files) yield [f, await this.check(f)];
      return;
    }
    const queue: Promise<[ArchiveFile, ResumeDecision]>[] = [];
    for await (const f of files) {
      const p = this.check(f).then((d): [ArchiveFile, ResumeDecision] => [f, d]);
      // Awaited in turn below; until then a rejection must not count as unhandled.
      p.catch(() => undefined);
      queue.push(p);
      if (queue.length >= REFRESH_LOOKAHEAD) yield await queue.shift()!;
    }
    while (queue.length) yield await queue.shift()!;
  }

  /** The archive's folder of `f`, listed once (undefined without a lister). */
  private async archiveFolder(f: ArchiveFile): Promise<ArchiveFolder | undefined> {
    const lister = this.options.archive ?? this.options.remote;
    if (!lister) return undefined;
    const prefix = f.key.slice(0, f.key.lastIndexOf("/") + 1);
    return this.archive.get(prefix, (p) => this.loadRemote(p, lister));
  }

  /**
   * A stored file without a `.CHECKSUM` beside it, on a verifying run: fetched again to verify it, unless it was
   * stored unverified because the archive publishes no `.CHECKSUM` for it and still does not (nothing to gain).
   */
  private async unverified(f: ArchiveFile): Promise<ResumeDecision> {
    const unchecked = {
      done: false as const,
      why: "unverified" as const,
      reason: "stored without verification (download_checksum: false): no .CHECKSUM beside it in bronze",
    };
    const folder = await this.archiveFolder(f);
    if (!folder) return unchecked;
    const name = basename(f.key);
    const remote = folder.objects.get(name);
    const withRemote = remote ? { remote } : {};
    if (folder.sums.has(name)) {
      const rec = await this.readRecord(bronzeKey(f));
      return rec?.unverified === "no_checksum"
        ? {
            ...unchecked,
            ...withRemote,
            reason: "stored unverified; the archive publishes its .CHECKSUM now",
          }
        : { ...unchecked, ...withRemote };
    }
    const rec = await this.readRecord(bronzeKey(f));
    if (rec?.unverified !== "no_checksum") return { ...unchecked, ...withRemote };
    return { done: true, reason: "stored unverified: the archive still publishes no .CHECKSUM for it" };
  }

  /** Why the archive's copy differs from the stored one, or undefined when it does not (or is gone). */
  private async changed(f: ArchiveFile, s: Stored): Promise<string | undefined> {
    const remote = (await this.archiveFolder(f))?.objects.get(basename(f.key));
    // Vanished from the archive: what we hold stays (docs/archive.md §3).
    if (!remote) return undefined;
    if (remote.size !== s.size) return `changed in the archive: size ${s.size} → ${remote.size} bytes`;
    const now = normalEtag(remote.etag);
    // The same MD5 on both sides proves the same bytes without reading the record (S3 stores list ETags).
    if (now && s.etag === now && MD5_HEX.test(now)) return undefined;
    const rec = await this.readRecord(bronzeKey(f));
    if (!rec) return "its record is unreadable, so it cannot be compared with the archive's copy";
    const was = normalEtag(rec.etag);
    if (was && now) return was === now ? undefined : `changed in the archive: ETag ${was} → ${now}`;
    // No ETag on one side (a downloader that reports none): a newer LastModified is a re-upload.
    const recorded = rec.lastModified ? Date.parse(rec.lastModified) : Number.NaN;
    if (remote.lastModified && !Number.isNaN(recorded) && remote.lastModified.getTime() > recorded) {
      return `changed in the archive: LastModified ${rec.lastModified} → ${remote.lastModified.toISOString()}`;
    }
    return undefined;
  }

  /** Why the stored zip no longer is what its record describes (size, the store's ETag), or undefined. */
  private async damaged(f: ArchiveFile, s: Stored): Promise<string | undefined> {
    const rec = await this.readRecord(bronzeKey(f));
    if (!rec) return "changed after it was stored, and its record is unreadable";
    if (rec.size !== s.size)
      return `the stored zip is ${s.size} bytes, its record says ${rec.size} (changed after it was stored)`;
    const was = normalEtag(rec.storedEtag);
    if (was && s.etag && was !== s.etag)
      return `the stored zip's ETag is ${s.etag}, its record says ${was} (changed after it was stored)`;
    return undefined;
  }

  private async readRecord(key: string): Promise<FileRecord | undefined> {
    const data = await this.storage.read(fileRecordKey(key));
    if (!data) return undefined;
    try {
      const r = JSON.parse(data.toString("utf8")) as FileRecord;
      return r && typeof r === "object" ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** The folder's zips that have a record, from one listing of the folder and one of its record folder. */
  private async loadStored(folder: string): Promise<Map<string, Stored>> {
    const zips = new Map<string, { size: number; etag?: string; modified?: number }>();
    const sums = new Set<string>();
    for await (const o of this.storage.list(folder)) {
      const rest = o.key.slice(folder.length);
      if (rest.includes("/")) continue;
      if (rest.endsWith(".zip"))
        zips.set(rest, {
          size: o.size,
          ...(o.etag ? { etag: normalEtag(o.etag) } : {}),
          ...(o.lastModified ? { modified: o.lastModified.getTime() } : {}),
        });
      else if (rest.endsWith(`.zip${CHECKSUM_SUFFIX}`)) sums.add(rest.slice(0, -CHECKSUM_SUFFIX.length));
    }
    const out = new Map<string, Stored>();
    if (zips.size === 0) return out;
    const recFolder = fileRecordFolder(folder);
    for await (const o of this.storage.list(recFolder)) {
      const rest = o.key.slice(recFolder.length);
      if (rest.includes("/") || !rest.endsWith(".zip.json")) continue;
      const zip = rest.slice(0, -".json".length);
      const z = zips.get(zip);
      if (!z) continue;
      const { modified, ...listed } = z;
      const recorded = o.lastModified?.getTime();
      const touched = modified !== undefined && recorded !== undefined && modified > recorded;
      out.set(zip, { ...listed, checksum: sums.has(zip), touched });
    }
    return out;
  }

  /** The archive folder's zips and their `.CHECKSUM`s, from one (paginated) listing. */
  private async loadRemote(
    prefix: string,
    lister: (prefix: string) => AsyncIterable<RemoteEntry>,
  ): Promise<ArchiveFolder> {
    const objects = new Map<string, RemoteObject>();
    const sums = new Set<string>();
    for await (const e of lister(prefix)) {
      if (e.kind !== "object") continue;
      const rest = e.key.slice(prefix.length);
      if (rest.includes("/")) continue;
      if (rest.endsWith(".zip")) objects.set(rest, e);
      else if (rest.endsWith(`.zip${CHECKSUM_SUFFIX}`)) sums.add(rest.slice(0, -CHECKSUM_SUFFIX.length));
    }
    return { objects, sums };
  }
}

/** Stored files a run fetches again (unverified, changed in the archive), summed up for the run's notes. */
export class RefetchNotes {
  private readonly keys = { unverified: [] as string[], changed: [] as string[], damaged: [] as string[] };
  private readonly counts = { unverified: 0, changed: 0, damaged: 0 };

  constructor(private readonly examples = 10) {}

  add(f: ArchiveFile, d: ResumeDecision): void {
    if (d.done || d.why === "absent") return;
    this.counts[d.why]++;
    const keys = this.keys[d.why];
    if (keys.length < this.examples)
      keys.push(
        d.why === "unverified" ? f.key : `${f.key} (${d.reason.replace(/^changed in the archive: /, "")})`,
      );
  }

  notes(): string[] {
    const line = (why: "unverified" | "changed" | "damaged", head: string) => {
      const n = this.counts[why];
      if (!n) return [];
      const more = n > this.keys[why].length ? `, … and ${n - this.keys[why].length} more` : "";
      return [`${head}: ${n} stored file${n === 1 ? "" : "s"} — ${this.keys[why].join(", ")}${more}`];
    };
    return [
      ...line(
        "unverified",
        "fetched again to verify them, as bronze held them unverified (download_checksum: false)",
      ),
      ...line("changed", "fetched again, changed in the archive since they were stored (refresh_changed)"),
      ...line(
        "damaged",
        "fetched again, as the stored zip no longer matched its record (truncated or replaced)",
      ),
    ];
  }
}
