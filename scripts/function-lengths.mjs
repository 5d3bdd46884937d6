// `pnpm lint:functions [--max N] [--check]`: lists the functions of product code (packages/*/src and apps/*/src,
// without tests, test helpers and the test-only testkit) longer than N lines (default 80: a screen), longest first,
// read with the TypeScript compiler API. `--check` exits 1 when there is one.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const args = process.argv.slice(2);
const maxAt = args.indexOf("--max");
const max = maxAt >= 0 ? Number(args[maxAt + 1]) : 80;
if (!Number.isInteger(max) || max < 1) {
  console.error(`--max: '${args[maxAt + 1]}' is not a whole number of lines ≥ 1`);
  process.exit(2);
}
const root = join(import.meta.dirname, "..");

const isTest = (path) => /\.test\.|\.test-util\.|\.d\.ts$/.test(path) || /\/(test|test-support)\//.test(path);

function sourceFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(e.name) && !isTest(path)) out.push(path);
  }
  return out;
}

function productFiles() {
  const out = [];
  for (const top of ["packages", "apps"]) {
    for (const e of readdirSync(join(root, top), { withFileTypes: true })) {
      if (!e.isDirectory() || (top === "packages" && e.name === "testkit")) continue;
      const src = join(root, top, e.name, "src");
      try {
        out.push(...sourceFiles(src));
      } catch {
        // A package without src/.
      }
    }
  }
  return out;
}

/** A function's name as a reader finds it: its own, or the variable or property it is assigned to. */
function nameOf(node) {
  if (node.name) return node.name.getText();
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p))) return p.name.getText();
  return `<${ts.SyntaxKind[node.kind]}>`;
}

const isFunction = (n) =>
  ts.isFunctionDeclaration(n) ||
  ts.isFunctionExpression(n) ||
  ts.isArrowFunction(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n);

const long = [];
for (const path of productFiles()) {
  const file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (isFunction(node)) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const lines = file.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
      if (lines > max) long.push({ lines, name: nameOf(node), at: `${relative(root, path)}:${first + 1}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}
long.sort((a, b) => b.lines - a.lines);
for (const f of long) console.log(`${String(f.lines).padStart(5)}  ${f.name}  ${f.at}`);
console.log(`${long.length} function${long.length === 1 ? "" : "s"} over ${max} lines`);
if (args.includes("--check") && long.length > 0) process.exit(1);
