// Generates matrix/archive-matrix.json and its JSON Schema from the built-in markets (`--check`: verify only).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const unknown = process.argv.slice(2).filter((a) => a !== "--check");
if (unknown.length) {
  console.error(
    `build-matrix: unknown argument(s) ${unknown.join(" ")}; usage: node scripts/build-matrix.mjs [--check]`,
  );
  process.exit(2);
}

// Always build (tsc -b is incremental): a stale dist/ would silently generate a stale matrix.
const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
// markets-builtin holds the one list of built-in markets (its order is the order of `markets` in the file).
const projects = [join("packages", "markets-builtin")];
try {
  execFileSync(process.execPath, [tsc, "-b", ...projects], { cwd: root, stdio: "inherit" });
} catch {
  console.error(`build-matrix: building ${projects.join(", ")} failed (see the TypeScript errors above).`);
  process.exit(1);
}

const load = (rel) => import(pathToFileURL(join(root, rel)).href);
const core = await load("packages/core/dist/index.js");
const { BUILTIN_MARKETS: plugins } = await load("packages/markets-builtin/dist/index.js");
const matrix = core.composeMatrix(plugins);
const json = (v) => `${pretty(v, "")}\n`;
const outputs = [
  ["matrix/archive-matrix.json", json({ $schema: "./archive-matrix.schema.json", ...matrix })],
  ["matrix/archive-matrix.schema.json", json(core.matrixJsonSchema())],
];

// Validate what we are about to write with the same schema users' files go through.
const parsed = core.ArchiveMatrixSchema.safeParse(JSON.parse(outputs[0][1]));
if (!parsed.success) {
  console.error("build-matrix: the composed matrix does not match ArchiveMatrixSchema:");
  for (const line of core.formatZodIssues(parsed.error.issues, "matrix")) console.error(`  - ${line}`);
  process.exit(1);
}

if (check) {
  const stale = outputs.filter(([rel, text]) => {
    const file = join(root, rel);
    return !existsSync(file) || readFileSync(file, "utf8") !== text;
  });
  if (stale.length) {
    console.error(
      `build-matrix --check: ${stale.map(([rel]) => rel).join(" and ")} ${stale.length > 1 ? "differ" : "differs"}` +
        " from what the market plugins generate. Run `pnpm matrix:build` and commit the result.",
    );
    process.exit(1);
  }
  console.log("build-matrix --check: matrix/ is up to date with the market plugins.");
} else {
  mkdirSync(join(root, "matrix"), { recursive: true });
  for (const [rel, text] of outputs) {
    writeFileSync(join(root, rel), text);
    console.log(`wrote ${relative(process.cwd(), join(root, rel)) || rel}`);
  }
}

/** Pretty JSON that keeps short all-primitive arrays/objects on one line, so columns read as one row each. */
function pretty(v, indent) {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  const entries = Array.isArray(v) ? v.map((x) => [undefined, x]) : Object.entries(v);
  const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  const label = (k) => (k === undefined ? "" : `${JSON.stringify(k)}: `);
  if (entries.every(([, x]) => x === null || typeof x !== "object")) {
    const line = `${open} ${entries.map(([k, x]) => label(k) + JSON.stringify(x)).join(", ")} ${close}`;
    if (indent.length + line.length <= 130) return line;
  }
  const inner = `${indent}  `;
  return `${open}\n${entries.map(([k, x]) => inner + label(k) + pretty(x, inner)).join(",\n")}\n${indent}${close}`;
}
