// ETag, size and time of the zips in a batch, from one `s5cmd ls` per folder: s5cmd's cp output has no ETag,
// and the pipeline needs it to tell a stale CHECKSUM from a bad download and to record it.
import type { Logger } from "@crypto-lakehouse/core";
import { bucketUrl, globalArgs, type Invocation, s5cmdEnv, shellQuote } from "./invocation.js";
import { parseLine, toRemoteEntry } from "./messages.js";
import { runS5cmd } from "./process.js";

export interface RemoteInfo {
  size: number;
  etag?: string;
  lastModified?: Date;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * The prefixes to list for these keys: per folder, the longest prefix all its keys share (a batch is usually a
 * run of dates in one folder, so one short listing covers it). Keys with s5cmd wildcards are left out.
 */
export function listingPrefixes(keys: readonly string[]): string[] {
  const byFolder = new Map<string, string>();
  for (const key of keys) {
    if (/[*?]/.test(key)) continue;
    const folder = key.slice(0, key.lastIndexOf("/") + 1);
    const seen = byFolder.get(folder);
    byFolder.set(folder, seen === undefined ? key : commonPrefix(seen, key));
  }
  return [...byFolder.values()].sort();
}

export interface ListRemoteContext extends Invocation {
  logger: Logger;
  pollMs: number;
}

/** Lists the prefixes in one s5cmd process; a failed listing only leaves its keys out (logged), never throws. */
export async function listRemote(
  ctx: ListRemoteContext,
  prefixes: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, RemoteInfo>> {
  const found = new Map<string, RemoteInfo>();
  if (prefixes.length === 0) return found;
  const root = bucketUrl(ctx);
  const commands = prefixes.map((p) => ["ls", `${root}${p}`].map(shellQuote).join(" ")).join("\n");
  try {
    const run = runS5cmd({
      binary: ctx.binary,
      args: [...globalArgs(ctx, Math.min(prefixes.length, ctx.settings.concurrency)), "run"],
      env: s5cmdEnv(ctx),
      input: `${commands}\n`,
      idleTimeoutMs: ctx.settings.timeoutSeconds * 1000,
      pollMs: ctx.pollMs,
      signal,
    });
    for await (const { json } of run) {
      if (!json) continue;
      const entry = toRemoteEntry(json, root);
      if (entry?.kind === "object") {
        const info: RemoteInfo = { size: entry.size };
        if (entry.etag) info.etag = entry.etag;
        if (entry.lastModified) info.lastModified = entry.lastModified;
        found.set(entry.key, info);
        continue;
      }
      const line = parseLine(json);
      if ((line.kind === "failed" || line.kind === "general") && !/no object found/i.test(line.error)) {
        ctx.logger.debug("s5cmd ls for ETags failed; those files are recorded without one", {
          error: line.error,
        });
      }
    }
  } catch (e) {
    if (!signal.aborted) ctx.logger.debug("s5cmd ls for ETags failed", { error: (e as Error).message });
  }
  return found;
}
