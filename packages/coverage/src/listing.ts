// The archive's listing, one folder at a time, cached in the lakehouse under `_meta/listing/` so coverage and
// symbol history answer from it without a request per file, and a second run within the freshness window
// without a request at all.
import { META, REAL_ARCHIVE, type RemoteEntry, redactUrl, type StorageBackend } from "@crypto-lakehouse/core";

/** Lists one archive folder (delimiter `/`): its objects and its sub-folders. */
export type FolderLister = (prefix: string) => AsyncIterable<RemoteEntry>;

export interface ListedObject {
  /** File name inside the folder. */
  name: string;
  size: number;
  etag?: string;
  /** Epoch milliseconds. */
  lastModified?: number;
}

export interface FolderListing {
  prefix: string;
  /** When the archive was listed (epoch ms). */
  listedAt: number;
  objects: ListedObject[];
  /** Sub-folder names (no trailing `/`). */
  folders: string[];
  /** Whether this answer came from the cache. */
  cached: boolean;
}

export interface ListingCacheOptions {
  /** A cached listing younger than this is used as it is (default 6 h: the archive publishes once a day). */
  maxAgeMs?: number;
  /** Which archive the listing is of (endpoint + bucket): a cache of another archive is not used. */
  source: string;
  now?: () => number;
  /** Folders listed at once (default 8). */
  concurrency?: number;
}

/** The cache's archive identity: endpoint + bucket (the real archive's endpoint when none is set); it is written into
 * the cache under `_meta/`, so URL credentials are masked. */
export function archiveSource(s: { endpoint?: string; bucket: string }): string {
  return `${redactUrl(s.endpoint ?? REAL_ARCHIVE.endpoint)}/${s.bucket}`;
}

export const DEFAULT_LISTING_MAX_AGE_MS = 6 * 3600_000;
const FORMAT = 1;

/** `_meta/listing/<archive folder>listing.json` */
export function listingCacheKey(prefix: string): string {
  return `${META}/listing/${prefix}listing.json`;
}

type Packed = [name: string, size: number, etag: string | null, lastModified: number | null];

interface CacheFile {
  format: number;
  source: string;
  prefix: string;
  listedAt: number;
  objects: Packed[];
  folders: string[];
}

export class ListingCache {
  readonly stats = { listed: 0, cached: 0 };
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    /** Where the cache lives; without one every folder is listed (nothing cached). */
    private readonly storage: StorageBackend | undefined,
    private readonly lister: FolderLister,
    private readonly options: ListingCacheOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_LISTING_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The folder's listing: the cached one when fresh, else the archive's (then cached). */
  async folder(prefix: string): Promise<FolderListing> {
    // Callers ask for thousands of folders at once (symbol history): reads and listings share the slots.
    await this.slot();
    try {
      const hit = await this.readCache(prefix);
      if (hit && this.now() - hit.listedAt < this.maxAgeMs) {
        this.stats.cached++;
        return hit;
      }
      return await this.list(prefix);
    } finally {
      this.release();
    }
  }

  private async list(prefix: string): Promise<FolderListing> {
    const listedAt = this.now();
    const objects: ListedObject[] = [];
    const folders: string[] = [];
    for await (const e of this.lister(prefix)) {
      if (e.kind === "prefix") folders.push(e.prefix.slice(prefix.length).replace(/\/$/, ""));
      else if (!e.key.slice(prefix.length).includes("/")) {
        objects.push({
          name: e.key.slice(prefix.length),
          size: e.size,
          ...(e.etag ? { etag: e.etag } : {}),
          ...(e.lastModified ? { lastModified: e.lastModified.getTime() } : {}),
        });
      }
    }
    this.stats.listed++;
    const file: CacheFile = {
      format: FORMAT,
      source: this.options.source,
      prefix,
      listedAt,
      objects: objects.map((o) => [o.name, o.size, o.etag ?? null, o.lastModified ?? null]),
      folders,
    };
    await this.storage?.put(
      listingCacheKey(prefix),
      { data: JSON.stringify(file) },
      { contentType: "application/json" },
    );
    return { prefix, listedAt, objects, folders, cached: false };
  }

  private async readCache(prefix: string): Promise<FolderListing | undefined> {
    const data = await this.storage?.read(listingCacheKey(prefix));
    if (!data) return undefined;
    try {
      const f = JSON.parse(data.toString("utf8")) as CacheFile;
      if (f.format !== FORMAT || f.source !== this.options.source || f.prefix !== prefix) return undefined;
      const objects = f.objects.map(([name, size, etag, lm]) => ({
        name,
        size,
        ...(etag !== null ? { etag } : {}),
        ...(lm !== null ? { lastModified: lm } : {}),
      }));
      return { prefix, listedAt: f.listedAt, objects, folders: f.folders, cached: true };
    } catch {
      // A damaged cache entry is listed again (and rewritten).
      return undefined;
    }
  }

  private async slot(): Promise<void> {
    if (this.running < (this.options.concurrency ?? 8)) {
      this.running++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
