// Removes temp files a crashed run left behind (`.<name>.<pid>-<unique>@<host>.tmp`); list() already hides them.
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type Leftover, type Logger, silentLogger, writerGone } from "@crypto-lakehouse/core";
import { errnoCode, fsError } from "./fs-errors.js";
import { isTempName, splitPrefix, tempWriter } from "./keys.js";
import { resolveRoot } from "./options.js";
import { walk } from "./walk.js";

export interface CleanupTempOptions {
  /**
   * Only remove temp files not modified for this long (default 10 minutes). A put that is still writing keeps
   * touching its temp file, so this spares other processes' in-progress writes. 0 removes every one.
   */
  minAgeMs?: number;
  logger?: Logger;
  /** Clock for the age check (tests). */
  now?: () => number;
}

export interface CleanupTempResult {
  /** Keys (relative to the root) of the removed temp files. */
  removed: string[];
  bytes: number;
}

const DEFAULT_MIN_AGE_MS = 10 * 60_000;

/** Removes stale temp files under `prefix` (S3-style string prefix, `""` = the whole root) of `root`. */
export async function cleanupTemp(
  root: string,
  prefix = "",
  options: CleanupTempOptions = {},
): Promise<CleanupTempResult> {
  const absRoot = resolveRoot(root);
  const { dir, namePrefix } = splitPrefix(prefix);
  const minAge = options.minAgeMs ?? DEFAULT_MIN_AGE_MS;
  const now = (options.now ?? Date.now)();
  const logger = options.logger ?? silentLogger;
  const result: CleanupTempResult = { removed: [], bytes: 0 };
  const base = dir === "" ? absRoot : join(absRoot, dir);
  try {
    for await (const e of walk(base, dir === "" ? "" : `${dir}/`, { namePrefix, accept: isTempName })) {
      if (now - e.mtime.getTime() < minAge) continue;
      // Re-check right before removing: a concurrent writer may have touched it since the listing.
      const st = await stat(e.path).catch(() => undefined);
      if (st === undefined || now - st.mtime.getTime() < minAge) continue;
      try {
        await unlink(e.path);
      } catch (err) {
        if (errnoCode(err) === "ENOENT") continue; // renamed into place or removed meanwhile
        throw err;
      }
      result.removed.push(e.key);
      result.bytes += e.size;
      logger.debug("removed stale temp file", { key: e.key, size: e.size });
    }
  } catch (e) {
    throw fsError(e, "removing temp files under", base);
  }
  return result;
}

/** Whether the temp file `name`, last modified at `mtimeMs`, belongs to a writer that is gone (see writerGone). */
export function leftBehind(name: string, mtimeMs: number, now = Date.now()): boolean {
  return writerGone(tempWriter(name), now - mtimeMs);
}

/**
 * Removes, in one folder (not below), the temp files whose writer is gone: a process killed mid-put (SIGKILL,
 * power loss) never reaches the unlink that would have removed its temp file. Returns the names removed.
 */
export async function removeLeftBehind(dir: string, logger: Logger = silentLogger): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTempName(name)) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile() || !leftBehind(name, st.mtimeMs)) continue;
    try {
      await unlink(path);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") continue;
      throw e;
    }
    removed.push(name);
    logger.info("removed a temp file a killed writer left", { path, size: st.size });
  }
  return removed;
}

/** Every temp file under `prefix` of `root`, with whether its writer is gone. */
export async function* listLeftovers(root: string, prefix: string): AsyncGenerator<Leftover> {
  const { dir, namePrefix } = splitPrefix(prefix);
  const base = dir === "" ? root : join(root, dir);
  try {
    for await (const e of walk(base, dir === "" ? "" : `${dir}/`, { namePrefix, accept: isTempName })) {
      const name = e.key.slice(e.key.lastIndexOf("/") + 1);
      yield { key: e.key, size: e.size, lastModified: e.mtime, gone: leftBehind(name, e.mtime.getTime()) };
    }
  } catch (e) {
    throw fsError(e, "listing temp files under", base);
  }
}
