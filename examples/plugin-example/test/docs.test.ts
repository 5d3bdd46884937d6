// docs/plugins.md: every TypeScript block compiles against the real packages (strict, as a plugin author would).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..", "..");
const pkg = resolve(import.meta.dirname, "..");

it("docs/plugins.md code compiles", () => {
  const doc = readFileSync(join(root, "docs", "plugins.md"), "utf8");
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  // Inside the example package, so `@crypto-lakehouse/*`, zod and the package's own name resolve like a user's.
  const dir = join(pkg, ".doccheck");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const [i, b] of blocks.entries()) writeFileSync(join(dir, `block${i}.ts`), b);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../../tsconfig.base.json",
      compilerOptions: {
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
        types: ["node"],
      },
      include: ["*.ts"],
    }),
  );
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], {
      encoding: "utf8",
      stdio: "pipe",
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`docs/plugins.md does not compile:\n${err.stdout}${err.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
