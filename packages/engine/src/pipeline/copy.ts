// Copies one object inside a store (any backend): streamed through a temp file, so a large zip never sits in memory.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { StorageBackend } from "@crypto-lakehouse/core";

/** Copies `from` to `to` (atomically, like any put); throws NOT_FOUND when `from` is absent. */
export async function copyObject(
  storage: StorageBackend,
  from: string,
  to: string,
  tempDir: string = tmpdir(),
): Promise<void> {
  const local = storage.localPath?.(from);
  if (local) {
    await storage.put(to, { path: local });
    return;
  }
  const spool = join(tempDir, `lakehouse-copy-${randomBytes(6).toString("hex")}`);
  try {
    await pipeline(await storage.get(from), createWriteStream(spool));
    await storage.put(to, { path: spool, consume: true });
  } finally {
    await rm(spool, { force: true });
  }
}
