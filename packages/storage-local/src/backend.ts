// The local-filesystem StorageBackend: keys are relative paths under one root folder, every put is atomic.
import { randomBytes } from "node:crypto";
import { open, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import {
  checkKeySegments,
  formatZodIssues,
  invalidStorageKey,
  LakehouseError,
  type Leftover,
  type Logger,
  type PluginDeps,
  type PutOptions,
  type PutSource,
  type StorageBackend,
  type StoredObject,
  silentLogger,
} from "@crypto-lakehouse/core";
import { ensureDir, moveAtomic, syncDir, writeAtomic, writeGrouped } from "./atomic.js";
import { listLeftovers, removeLeftBehind } from "./cleanup.js";
import { errnoCode, fsError, PERMISSION_CODES } from "./fs-errors.js";
import { GroupCommit } from "./group-commit.js";
import { isTempName, splitPrefix, validateKey } from "./keys.js";
import { type LocalStorageOptions, localStorageOptionsSchema, resolveRoot } from "./options.js";
import { createSyncer } from "./syncfs.js";
import { walk } from "./walk.js";

export interface LocalStorageBackend extends StorageBackend {
  readonly id: "local";
  /** Absolute root folder (same as `location`). */
  readonly root: string;
  localPath(key: string): string;
}

/** Read buffers of 1 MiB: hashing a streamed file with 64 KiB reads is ~3× slower. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

/** Codes meaning "no object under this key" for reads (a file in the way of the path counts too). */
function absent(e: unknown): boolean {
  const code = errnoCode(e);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/** Errors that say the output path itself is wrong (a file where a folder must be, a parent that takes no folders). */
const PATH_CODES = new Set(["ENOTDIR", "EEXIST", "ENOENT"]);

function whyNotWritable(code: string | undefined): string {
  switch (code) {
    case "ENOTDIR":
    case "EEXIST":
      return "The path, or one of its parents, is an existing file, not a folder: choose a folder path.";
    case "ENOENT":
      return "The folder cannot be created there (its parent does not accept new folders): choose another output folder.";
    case "ENOSPC":
    case "EDQUOT":
      return "The device is full: free some space or choose another output folder.";
    default:
      return "Check the path and choose a writable output folder.";
  }
}

class LocalStorage implements LocalStorageBackend {
  readonly kind = "storage" as const;
  readonly id = "local" as const;
  readonly location: string;
  /** Folders this process has cleared of gone writers' temp files (once each, on the first put into them). */
  private readonly swept = new Map<string, Promise<void>>();
  /** Syncs the `durability: "group"` puts, many at once. */
  private readonly group: GroupCommit;

  constructor(
    readonly root: string,
    private readonly logger: Logger = silentLogger,
    group?: GroupCommit,
  ) {
    this.location = root;
    this.group = group ?? new GroupCommit(createSyncer());
  }

  /** Removes gone writers' temp files from `dir` once per process; a failure is logged, never fails the put. */
  private sweep(dir: string): Promise<void> {
    let p = this.swept.get(dir);
    if (!p) {
      p = removeLeftBehind(dir, this.logger).then(
        () => undefined,
        (e) => this.logger.warn("could not remove temp files of gone writers", { dir, error: String(e) }),
      );
      this.swept.set(dir, p);
    }
    return p;
  }

  async *leftovers(prefix: string): AsyncIterable<Leftover> {
    yield* listLeftovers(this.root, prefix);
  }

  async removeLeftover(key: string): Promise<void> {
    const segments = key.split("/");
    checkKeySegments("key", key, segments);
    if (!isTempName(segments[segments.length - 1]!))
      throw invalidStorageKey("key", key, "it is not a temp file");
    const path = join(this.root, ...segments);
    await unlink(path).catch((e) => {
      if (!absent(e)) throw fsError(e, "removing", path);
    });
  }

  localPath(key: string): string {
    validateKey(key);
    return join(this.root, ...key.split("/"));
  }

  async checkWritable(): Promise<void> {
    const probe = join(this.root, `.lakehouse-write-probe.${randomBytes(8).toString("hex")}.tmp`);
    try {
      await ensureDir(this.root);
      await writeFile(probe, "probe", { flag: "wx" });
      await unlink(probe);
    } catch (e) {
      await unlink(probe).catch(() => undefined);
      const code = errnoCode(e);
      if (code !== undefined && PERMISSION_CODES.has(code)) {
        throw new LakehouseError(
          "PERMISSION_DENIED",
          `Permission denied writing to output directory: ${this.root}`,
          {
            cause: e,
            details: [
              `${code}: check the folder's owner and mode (or whether it is on a read-only mount), or choose another output folder.`,
            ],
          },
        );
      }
      const reason = e instanceof Error ? e.message : String(e);
      // A path that cannot hold a folder is the user's choice to fix (exit 2); a full disk or an I/O error is not.
      throw new LakehouseError(
        code !== undefined && PATH_CODES.has(code) ? "CONFIG_INVALID" : "STORAGE_FAILED",
        `Cannot write to output directory: ${this.root} (${reason})`,
        {
          cause: e,
          details: [whyNotWritable(code)],
        },
      );
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const path = this.localPath(key);
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      return { key, size: st.size, lastModified: st.mtime };
    } catch (e) {
      if (absent(e)) return undefined;
      throw fsError(e, "reading the attributes of", path);
    }
  }

  async put(key: string, source: PutSource, options?: PutOptions): Promise<StoredObject> {
    // Metadata and content type are not kept: the pipeline records sha256 & co. under _meta/ for every store.
    const path = this.localPath(key);
    await this.sweep(dirname(path));
    const src: { path: string } | { data: Uint8Array } =
      "path" in source ? { path: source.path } : { data: toBytes(source.data) };
    const consume = "path" in source && source.consume === true;
    try {
      const { size, mtime } =
        options?.durability === "group"
          ? await writeGrouped(path, consume ? { move: source.path } : src, this.group)
          : consume
            ? await moveAtomic(path, source.path)
            : await writeAtomic(path, src);
      return { key, size, ...(mtime ? { lastModified: mtime } : {}) };
    } catch (e) {
      if ("path" in src && errnoCode(e) === "ENOENT" && !(await exists(src.path))) {
        throw new LakehouseError(
          "STORAGE_FAILED",
          `Cannot store ${key}: source file ${src.path} does not exist`,
          {
            cause: e,
          },
        );
      }
      if (errnoCode(e) === "EISDIR" || errnoCode(e) === "ENOTDIR") {
        throw new LakehouseError(
          "STORAGE_FAILED",
          `Cannot store ${key} at ${path}: a folder and a file would share a name (${errnoCode(e)})`,
          { cause: e, details: ["On a local file system a key cannot also be a folder of other keys."] },
        );
      }
      throw fsError(e, `storing ${key} at`, path);
    }
  }

  async flush(): Promise<void> {
    try {
      await this.group.flush();
    } catch (e) {
      throw fsError(e, "syncing", this.root);
    }
  }

  async close(): Promise<void> {
    try {
      await this.group.close();
    } catch (e) {
      throw fsError(e, "syncing", this.root);
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.localPath(key);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(path, "r");
      // Opening a folder for reading succeeds on Linux; it is still not an object.
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    } catch (e) {
      await handle?.close();
      if (absent(e)) throw new LakehouseError("NOT_FOUND", `No object ${key} in ${this.root}`, { cause: e });
      throw fsError(e, "reading", path);
    }
    return handle.createReadStream({ highWaterMark: READ_HIGH_WATER_MARK });
  }

  async read(key: string): Promise<Buffer | undefined> {
    const path = this.localPath(key);
    try {
      return await readFile(path);
    } catch (e) {
      if (absent(e)) return undefined;
      throw fsError(e, "reading", path);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const { dir, namePrefix } = splitPrefix(prefix);
    const base = dir === "" ? this.root : join(this.root, ...dir.split("/"));
    const accept = (name: string) => !isTempName(name);
    try {
      for await (const e of walk(base, dir === "" ? "" : `${dir}/`, { namePrefix, accept })) {
        yield { key: e.key, size: e.size, lastModified: e.mtime };
      }
    } catch (e) {
      throw fsError(e, "listing", base);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.localPath(key);
    try {
      await unlink(path);
    } catch (e) {
      // EISDIR/EPERM on a folder: there is no object under this key, which is what delete ensures.
      if (absent(e)) return;
      if (errnoCode(e) === "EPERM" && (await stat(path).catch(() => undefined))?.isDirectory()) return;
      throw fsError(e, `deleting ${key} at`, path);
    }
    // Folders are left in place: pruning them would race with concurrent puts creating files inside.
    await syncDir(dirname(path)).catch(() => undefined);
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Local storage rooted at `options.root` (made absolute now; created by `checkWritable` or the first put).
 * `group` replaces the group commit of `durability: "group"` puts (tests observe its syncs).
 */
export function createLocalStorage(
  options: LocalStorageOptions,
  deps?: Partial<PluginDeps>,
  group?: GroupCommit,
): LocalStorageBackend {
  const parsed = localStorageOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    throw new LakehouseError("CONFIG_INVALID", "Invalid options for the local storage backend", {
      details: formatZodIssues(parsed.error.issues, "storage", localStorageOptionsSchema),
    });
  }
  const root = resolveRoot(parsed.data.root);
  const logger = deps?.logger ?? silentLogger;
  logger.debug("local storage", { root });
  return new LocalStorage(root, logger, group);
}
