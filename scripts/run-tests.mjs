#!/usr/bin/env node
// Runs the whole vitest suite once, then prints the plain total `N passed, N failed` as the last line.
// Exits non-zero when anything failed or when no test ran.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, "test-results.json");
rmSync(out, { force: true });
const r = spawnSync(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
if (!existsSync(out)) {
  console.log("0 passed, 0 failed");
  console.error(`vitest produced no results (exit ${r.status})`);
  process.exit(1);
}
const res = JSON.parse(readFileSync(out, "utf8"));
const passed = res.numPassedTests ?? 0;
// Suites that failed to load count as failures too, so a broken file can't hide its tests.
const failedSuites = (res.testResults ?? []).filter(
  (t) => t.status === "failed" && (t.assertionResults ?? []).length === 0,
).length;
const failed = (res.numFailedTests ?? 0) + failedSuites;
const skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 || r.status !== 0 ? 1 : 0);
