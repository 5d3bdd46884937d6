// Runs the linter and formatter check over the whole repository (`pnpm lint`), so CI fails on what a reviewer would
// reject: lint errors, unformatted files, and product functions longer than a screen (`pnpm lint:functions`).
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

it("no product function is longer than a screen (80 lines; `pnpm lint:functions --check`)", async () => {
  const script = join(root, "scripts", "function-lengths.mjs");
  const result = await promisify(execFile)(process.execPath, [script, "--check"], { cwd: root }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, out: e.stdout ?? String(e) }),
  );
  // The list names each long function and where it is: split it, or say in it why it must stay whole.
  expect(result.out).toBe("0 functions over 80 lines\n");
  expect(result.code).toBe(0);
}, 120_000);
