// The repository documents the archive itself: no tracked file may send a reader to material a clone does not
// have (the design notes and archive page the project started from lived outside the repository).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const OUTSIDE = /\bARCHIVE\.md\b|\bDESIGN\.md\b|\.\.\/shared\b/;

function trackedTextFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split("\0")
    .filter(
      (f) => f && /\.(ts|mts|mjs|js|json|md|sh|yaml|yml)$/.test(f) && f !== "test/self-contained.test.ts",
    );
}

it("no tracked file refers to ARCHIVE.md, DESIGN.md or ../shared", () => {
  const offenders = trackedTextFiles().filter((f) => {
    const path = join(root, f);
    return existsSync(path) && OUTSIDE.test(readFileSync(path, "utf8"));
  });
  expect(offenders).toEqual([]);
});

it("docs/archive.md exists and covers the sections source comments cite", () => {
  const doc = readFileSync(join(root, "docs", "archive.md"), "utf8");
  for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(doc).toMatch(new RegExp(`^## ${n}\\. `, "m"));
});
