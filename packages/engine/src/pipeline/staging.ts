// Staging folders: where a run or queue worker stages its downloads, and the removal of those that killed
// processes left behind (a SIGKILL never reaches the `finally` that removes them; they hold partial downloads).
import type { Dirent } from "node:fs";
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger, StorageBackend } from "@crypto-lakehouse/core";
import {
  parseStagingName,
  processAlive,
  STALE_OTHER_HOST_MS,
  STALE_UNOWNED_MS,
  stagingHost,
  stagingKey,
  stagingName,
} from "@crypto-lakehouse/core";

export interface StaleStagingOptions {
  logger: Logger;
  /** The current time in ms (tests). */
  now?: number;
}

export interface RemovedStaging {
  path: string;
  bytes: number;
  /** `dead` (this host, pid gone), `dead-old` (other host: pid not alive here, idle 10 min), `unowned-old`. */
  reason: "dead" | "dead-old" | "unowned-old";
}

/**
 * Creates this process's staging folder for `runId` — inside the lakehouse when the store has local paths, else
 * under the OS temp dir — then removes stale siblings (`removeStaleStaging`). A failed cleanup is logged, not thrown.
 */
export async function createStagingDir(
  storage: Pick<StorageBackend, "localPath">,
  runId: string,
  logger: Logger,
): Promise<string> {
  const dir =
    storage.localPath?.(stagingKey(runId)) ?? join(tmpdir(), "crypto-lakehouse", stagingName(runId));
  await mkdir(dir, { recursive: true });
  try {
    await removeStaleStaging(dirname(dir), { logger });
  } catch (e) {
    logger.warn("could not clean up stale staging folders", {
      dir: dirname(dir),
      error: (e as Error).message,
    });
  }
  return dir;
}

/**
 * Removes the folders in `parentDir` whose owner is gone: `<runId>-<host>-<pid>` of this host whose pid is not
 * alive; of another host, whose pid is not alive here and that nothing touched for 10 minutes; folders with no
 * parsable owner untouched for 24 hours. Live owners' folders (this process's included) are never touched. A folder
 * that vanishes meanwhile (another process cleaning too) is skipped; other per-folder errors are logged and skipped.
 */
export async function removeStaleStaging(
  parentDir: string,
  opts: StaleStagingOptions,
): Promise<RemovedStaging[]> {
  const now = opts.now ?? Date.now();
  const host = stagingHost();
  let entries: Dirent[];
  try {
    entries = await readdir(parentDir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const removed: RemovedStaging[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(parentDir, entry.name);
    try {
      const owner = parseStagingName(entry.name);
      if (owner && processAlive(owner.pid)) continue;
      const usage = await measure(path);
      if (!usage) continue;
      const idle = now - usage.mtimeMs;
      const reason: RemovedStaging["reason"] | undefined = !owner
        ? idle >= STALE_UNOWNED_MS
          ? "unowned-old"
          : undefined
        : owner.host === host
          ? "dead"
          : idle >= STALE_OTHER_HOST_MS
            ? "dead-old"
            : undefined;
      if (!reason) continue;
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
      removed.push({ path, bytes: usage.bytes, reason });
      opts.logger.info("removed a stale staging folder", {
        path,
        bytes: usage.bytes,
        reason,
        idleMinutes: Math.floor(idle / 60_000),
      });
    } catch (e) {
      if (isMissing(e)) continue;
      opts.logger.warn("could not remove a stale staging folder", { path, error: (e as Error).message });
    }
  }
  return removed;
}

/**
 * Total size and newest mtime of a folder's tree (a download in progress touches its file, not the folder),
 * or undefined when the folder itself is gone; entries vanishing meanwhile are skipped.
 */
async function measure(path: string): Promise<{ bytes: number; mtimeMs: number } | undefined> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  let bytes = st.isFile() ? st.size : 0;
  let mtimeMs = st.mtimeMs;
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    for (const name of names) {
      const sub = await measure(join(path, name));
      if (!sub) continue;
      bytes += sub.bytes;
      mtimeMs = Math.max(mtimeMs, sub.mtimeMs);
    }
  }
  return { bytes, mtimeMs };
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
