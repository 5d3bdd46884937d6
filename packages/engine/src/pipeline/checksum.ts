// `.CHECKSUM` sidecars are `sha256sum` text: `<64 hex>  <basename>`, with or without a trailing newline.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export function parseChecksum(text: string): string | undefined {
  const token = text.trim().split(/\s+/)[0]?.toLowerCase();
  return token && /^[0-9a-f]{64}$/.test(token) ? token : undefined;
}

/** A file's hash (hex) with 1 MiB reads (64 KiB reads are ~3x slower here). */
export async function hashFile(
  path: string,
  algorithm: "sha256" | "md5" = "sha256",
): Promise<{ hex: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hex: hash.digest("hex"), size };
}
