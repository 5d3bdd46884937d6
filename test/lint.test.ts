// Runs the linter and formatter check over the whole repository (`pnpm lint`), so CI fails on what a reviewer would
// reject: lint errors and unformatted files.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

it("the repository passes `biome check` (lint and formatting)", async () => {
  const biome = join(root, "node_modules", ".bin", "biome");
  const result = await promisify(execFile)(biome, ["check", "--diagnostic-level=error", "."], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    () => ({ code: 0, out: "" }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? 1,
      out: `${e.stdout ?? ""}${e.stderr ?? ""}` || String(e),
    }),
  );
  expect(result.out, "run `pnpm format` for formatting, fix the rest by hand").toBe("");
  expect(result.code).toBe(0);
}, 120_000);
