// Changes a generated replica the way the archive changes under a collector: a re-upload (new bytes, same key,
// a matching .CHECKSUM), a .CHECKSUM published late or taken away. A served replica (versitygw) needs its ETags
// stamped again afterwards (`gw.stampEtags(bucket, folderOf(key))`).
import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";
import { checksumHasNewline } from "./quirks.js";
import { checksumText } from "./zip.js";

const CHECKSUM = ".CHECKSUM";

function pathOf(root: string, key: string): string {
  return join(root, ...key.split("/"));
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const name = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/** The archive folder of a key (what to list, or to stamp ETags under). */
export function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf("/") + 1);
}

/** Writes the `.CHECKSUM` of the zip as it is now (in the market's style: spot without a trailing newline). */
export async function publishChecksum(root: string, key: string): Promise<string> {
  const zip = await readFile(pathOf(root, key));
  // The built-in market whose archive folder holds the key; under an unknown folder, the bare form (no newline).
  const market = BUILTIN_MARKETS.find((m) => key.startsWith(`data/${m.matrix.archivePath}/`));
  const sha = sha256(zip);
  const newline = market ? checksumHasNewline(market) : false;
  await writeFile(pathOf(root, key) + CHECKSUM, checksumText(sha, name(key), newline));
  return sha;
}

/** Takes the key's `.CHECKSUM` away (the archive publishes none for it). */
export async function removeChecksum(root: string, key: string): Promise<void> {
  await rm(pathOf(root, key) + CHECKSUM, { force: true });
}

/**
 * A re-upload: `zip` replaces the key's bytes; its `.CHECKSUM` is rewritten to match (`checksum: false` leaves the
 * key without one). Returns the new SHA-256.
 */
export async function republish(
  root: string,
  key: string,
  zip: Buffer,
  opts: { checksum?: boolean } = {},
): Promise<string> {
  await writeFile(pathOf(root, key), zip);
  if (opts.checksum === false) {
    await removeChecksum(root, key);
    return sha256(zip);
  }
  return publishChecksum(root, key);
}
