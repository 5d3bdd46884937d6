// Decides which planned files are already in bronze and verified, listing each folder once (never one request
// per file), so 100k planned files are checked in seconds.
import type { StorageBackend } from "../contracts/storage.js";
import type { ArchiveFile } from "../model/types.js";
import { basename, bronzeFolder, fileRecordFolder } from "./layout.js";

export class BronzeIndex {
  private readonly cache = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly storage: StorageBackend,
    private readonly maxFolders = 256,
  ) {}

  /** True when the file's zip and its record are both in the store. */
  async isDone(f: ArchiveFile): Promise<boolean> {
    const folder = bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval);
    const done = await this.folder(folder);
    return done.has(basename(f.key));
  }

  private folder(folder: string): Promise<Set<string>> {
    let p = this.cache.get(folder);
    if (!p) {
      p = this.load(folder);
      this.cache.set(folder, p);
      if (this.cache.size > this.maxFolders) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }

  private async load(folder: string): Promise<Set<string>> {
    const zips = new Set<string>();
    for await (const o of this.storage.list(folder)) {
      const rest = o.key.slice(folder.length);
      if (!rest.includes("/") && rest.endsWith(".zip")) zips.add(rest);
    }
    const done = new Set<string>();
    if (zips.size === 0) return done;
    const recFolder = fileRecordFolder(folder);
    for await (const o of this.storage.list(recFolder)) {
      const rest = o.key.slice(recFolder.length);
      if (rest.includes("/") || !rest.endsWith(".zip.json")) continue;
      const zip = rest.slice(0, -".json".length);
      if (zips.has(zip)) done.add(zip);
    }
    return done;
  }
}
