// Type-checks the tests and test helpers of every package (tsconfig.tests.json): vitest strips types without
// checking them, so a test drifting from the code it tests would otherwise still run.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

it("every test and test helper type-checks", async () => {
  const tsc = join(root, "node_modules", ".bin", "tsc");
  const result = await promisify(execFile)(tsc, ["-p", join(root, "tsconfig.tests.json")], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    () => ({ code: 0, out: "" }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, out: e.stdout ?? String(e) }),
  );
  expect(result.out).toBe("");
  expect(result.code).toBe(0);
}, 180_000);
