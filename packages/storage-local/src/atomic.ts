// Atomic, durable file writes: temp name in the target folder, fsync, rename over the final name, fsync the folder.
import { randomBytes } from "node:crypto";
import { constants, writeFile as writeFileCb } from "node:fs";
import { copyFile, type FileHandle, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { stagingHost } from "@crypto-lakehouse/core";
import { errnoCode } from "./fs-errors.js";
import type { GroupCommit } from "./group-commit.js";

const writeFileP = promisify(writeFileCb);
/** Creates `path` (it must not exist) holding `data`. */
const writeFileExclusive = (path: string, data: Uint8Array) => writeFileP(path, data, { flag: "wx" });

/** Random once per process, a counter per temp name: unique across processes without a randomBytes per put. */
const TEMP_PREFIX = randomBytes(5).toString("hex");
let tempCount = 0;
/** Names the writer (`<pid>-…@<host>`), so a later run can tell a killed process's leftovers from live writes. */
const TEMP_WRITER = { pid: process.pid, host: stagingHost() };
/** Longest base name kept in a temp name, so `.<base>.<pid>-<unique>@<host>.tmp` stays under NAME_MAX (255). */
const MAX_TEMP_BASE_BYTES =
  255 - 2 - `${TEMP_WRITER.pid}-${TEMP_PREFIX}ffffffff@${TEMP_WRITER.host}.tmp`.length;

/** `.<basename>.<pid>-<unique>@<host>.tmp` beside `finalPath`: same folder, so the rename never crosses file systems. */
export function tempPathFor(finalPath: string): string {
  let base = basename(finalPath);
  while (Buffer.byteLength(base) > MAX_TEMP_BASE_BYTES) base = base.slice(0, -1);
  const unique = `${TEMP_PREFIX}${(tempCount++).toString(16).padStart(6, "0")}`;
  return join(dirname(finalPath), `.${base}.${TEMP_WRITER.pid}-${unique}@${TEMP_WRITER.host}.tmp`);
}

/**
 * Creates `dir` and any missing parents, returning the folders it created (top-down). Unlike
 * `mkdir({ recursive: true })`, it cannot loop forever where mkdir keeps failing with ENOENT under an
 * existing parent (procfs and similar), which Node 20's recursive mkdir does.
 */
export async function ensureDir(dir: string): Promise<string[]> {
  try {
    await mkdir(dir);
    return [dir];
  } catch (e) {
    const code = errnoCode(e);
    // A file in the way surfaces as ENOTDIR on the next operation inside it.
    if (code === "EEXIST") return [];
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw e;
    const created = await ensureDir(parent);
    try {
      await mkdir(dir);
    } catch (e2) {
      if (errnoCode(e2) === "EEXIST") return created; // a concurrent put created it
      throw e2;
    }
    return [...created, dir];
  }
}

/** Makes a folder's entries (a rename, a new child folder) durable. Best effort where unsupported. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (e) {
    // Some platforms and file systems cannot fsync a directory; the data itself is already synced.
    if (!["EISDIR", "EINVAL", "EPERM", "EBADF", "ENOTSUP"].includes(errnoCode(e) ?? "")) throw e;
  } finally {
    await handle?.close();
  }
}

/** What a put wrote; `mtime` is left out where reading it back would cost a round trip of its own. */
type Written = { size: number; mtime?: Date };

function written(st: { size: number; mtime: Date }): Written {
  return { size: st.size, mtime: st.mtime };
}

async function fsyncPath(path: string): Promise<Written> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r+");
  } catch (e) {
    // copyFile keeps the source's mode; a read-only copy can still be fsynced through a read handle.
    if (errnoCode(e) !== "EACCES" && errnoCode(e) !== "EPERM") throw e;
    handle = await open(path, "r");
  }
  try {
    await handle.sync();
    return written(await handle.stat());
  } finally {
    await handle.close();
  }
}

async function writeTemp(
  tempPath: string,
  source: { path: string } | { data: Uint8Array },
): Promise<Written> {
  if ("path" in source) {
    await copyFile(source.path, tempPath, constants.COPYFILE_EXCL);
    return fsyncPath(tempPath);
  }
  const handle = await open(tempPath, "wx");
  try {
    await handle.writeFile(source.data);
    await handle.sync();
    return written(await handle.stat());
  } finally {
    await handle.close();
  }
}

/**
 * Moves a file the caller handed over (`consume`) to `finalPath`: fsync it, rename it over the final name, fsync
 * the folder — the same guarantees as writeAtomic without copying. Across file systems it copies instead.
 */
export async function moveAtomic(finalPath: string, sourcePath: string): Promise<Written> {
  const result = await fsyncPath(sourcePath);
  const dir = dirname(finalPath);
  let created: string[] = [];
  try {
    await rename(sourcePath, finalPath);
  } catch (e) {
    if (errnoCode(e) === "EXDEV") return writeAtomic(finalPath, { path: sourcePath });
    if (errnoCode(e) !== "ENOENT") throw e;
    created = await ensureDir(dir);
    await rename(sourcePath, finalPath);
  }
  for (const d of new Set([...created.map((c) => dirname(c)), dir])) await syncDir(d);
  return result;
}

/**
 * Runs `write` (a temp file into `dir`), creating `dir` and its missing parents only when the write says ENOENT:
 * the common case writes into an existing folder. Another put may have created the folder a moment ago, so it
 * retries once either way; a source that is really missing fails again with ENOENT. Returns the folders created.
 */
async function intoFolder<T>(
  dir: string,
  write: () => Promise<T>,
): Promise<{ result: T; created: string[] }> {
  try {
    return { result: await write(), created: [] };
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
    const created = await ensureDir(dir);
    return { result: await write(), created };
  }
}

/**
 * Writes `source` to `finalPath` so that the final name only ever holds complete content, and survives a
 * power loss once this resolves. Returns the size and mtime written. On failure the temp file is removed.
 */
export async function writeAtomic(
  finalPath: string,
  source: { path: string } | { data: Uint8Array },
): Promise<Written> {
  const dir = dirname(finalPath);
  const tempPath = tempPathFor(finalPath);
  try {
    const { result, created } = await intoFolder(dir, () => writeTemp(tempPath, source));
    await rename(tempPath, finalPath);
    // New folders must be recorded in their parents too, or the file could vanish with its folder.
    for (const d of new Set([...created.map((c) => dirname(c)), dir])) await syncDir(d);
    return result;
  } catch (e) {
    await unlink(tempPath).catch(() => undefined);
    throw e;
  }
}

/** Writes `source` to `tempPath` without syncing; a `move` source is renamed there (copied across file systems). */
async function stageTemp(
  tempPath: string,
  source: { path: string } | { data: Uint8Array } | { move: string },
): Promise<Written> {
  if ("move" in source) {
    try {
      await rename(source.move, tempPath);
    } catch (e) {
      if (errnoCode(e) !== "EXDEV") throw e;
      await copyFile(source.move, tempPath, constants.COPYFILE_EXCL);
    }
    return written(await stat(tempPath));
  }
  if ("path" in source) {
    await copyFile(source.path, tempPath, constants.COPYFILE_EXCL);
    return written(await stat(tempPath));
  }
  // Open, write, close through plain descriptors: no FileHandle, no fstat (the size is known) — this runs three
  // times per collected file.
  await writeFileExclusive(tempPath, source.data);
  return { size: source.data.length };
}

/**
 * writeAtomic with group commit (`durability: "group"`, see group-commit.ts for why it is as safe): the temp file
 * is written unsynced, renamed over the final name once a group sync has made its content durable, and the rename
 * is left to the next sync. Resolves with the object visible and its content durable; on failure the temp is gone.
 */
export async function writeGrouped(
  finalPath: string,
  source: { path: string } | { data: Uint8Array } | { move: string },
  group: GroupCommit,
): Promise<Written> {
  const dir = dirname(finalPath);
  const tempPath = tempPathFor(finalPath);
  try {
    const { result, created } = await intoFolder(dir, () => stageTemp(tempPath, source));
    await group.durable(tempPath, [dir, ...created.map((c) => dirname(c))]);
    await rename(tempPath, finalPath);
    group.touch(dir);
    return result;
  } catch (e) {
    await unlink(tempPath).catch(() => undefined);
    throw e;
  }
}
