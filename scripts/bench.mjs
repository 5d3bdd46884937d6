#!/usr/bin/env node
// `pnpm bench <name> [args]`: runs bench/<name>.mjs against the built packages (run `pnpm build` first).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [name, ...args] = process.argv.slice(2);
const dir = join(import.meta.dirname, "..", "bench");
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs"))
  .map((f) => f.slice(0, -4));
if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <${available.join("|")}> [args]`);
  process.exit(2);
}
if (!existsSync(join(import.meta.dirname, "..", "packages", "runtime", "dist", "index.js"))) {
  console.error("packages are not built: run `pnpm build` first");
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(dir, `${name}.mjs`), ...args], { stdio: "inherit" });
process.exit(r.status ?? 1);
