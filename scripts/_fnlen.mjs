// Lists functions longer than a limit in product code (packages/*/src, apps/*/src, not tests).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
const root = process.argv[2] ?? ".";
const limit = Number(process.argv[3] ?? 80);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules" || name === "dist") continue;
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else if (/\.(ts|tsx|mts)$/.test(name) && !/\.test\.|\.d\.ts$|\.bench\./.test(name) && !p.includes("/test/") && !p.includes("/__tests__/")) files.push(p);
  }
}
for (const top of ["packages", "apps"]) for (const pkg of readdirSync(join(root, top))) { try { walk(join(root, top, pkg, "src")); } catch {} }
const out = [];
for (const f of files) {
  const text = readFileSync(f, "utf8");
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) || ts.isClassDeclaration(node)) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit && !ts.isClassDeclaration(node)) {
        let name = node.name?.getText?.() ?? "";
        if (!name && node.parent && ts.isVariableDeclaration(node.parent)) name = node.parent.name.getText();
        if (!name && node.parent && ts.isPropertyAssignment(node.parent)) name = node.parent.name.getText();
        if (!name) name = `<anon ${ts.SyntaxKind[node.kind]}>`;
        out.push({ lines, where: `${relative(root, f)}:${start + 1}`, name });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
out.sort((a, b) => b.lines - a.lines);
for (const o of out) console.log(`${String(o.lines).padStart(4)}  ${o.name}  ${o.where}`);
console.log(`${out.length} functions over ${limit} lines`);
