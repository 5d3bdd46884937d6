// File helpers shared by the CLI end-to-end tests.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir` (recursively); none when it does not exist. */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Puts a symbolic link to itself where `<out>/bronze/<market>` goes: reading that folder fails with ELOOP. */
export function loopBronzeFolder(out: string, market: string): void {
  mkdirSync(join(out, "bronze"), { recursive: true });
  symlinkSync(market, join(out, "bronze", market));
}
