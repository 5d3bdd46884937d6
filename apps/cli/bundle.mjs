// Bundles the `lakehouse` binary into dist/bin.js (plus chunks loaded on demand) with esbuild: node loads a
// handful of files at start-up instead of ~190 modules (zod alone is ~95), which is most of its start-up time.
// Run after `tsc -b` (the workspace packages are bundled from their built dist/). Heavy or native third-party
// packages stay outside the bundle and are imported, lazily as before, from where they are installed.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { build } from "esbuild";

const here = import.meta.dirname;
const outdir = join(here, "dist");

/** Small pure-JavaScript packages on the start-up path: bundled. Every other third-party package is external. */
const BUNDLED = new Set(["zod", "commander", "picomatch", "p-limit", "yocto-queue"]);

const packageName = (spec) => spec.split("/", spec.startsWith("@") ? 2 : 1).join("/");
/** `./x` from dist/ to `abs`: the bundle's chunks all sit in dist/, so one relative path serves each of them. */
const fromOutdir = (abs) => {
  const rel = relative(outdir, abs).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
};

/**
 * Third-party packages not in BUNDLED are imported by their resolved file, relative to dist/: resolved from the
 * workspace package that imports them (pnpm installs a dependency only beside the package that declares it, so
 * the CLI's own folder would not find, say, the S3 storage's AWS SDK).
 */
const externals = {
  name: "externals-in-place",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith("node:") || args.pluginData === "resolving") return undefined;
      const name = packageName(args.path);
      if (name.startsWith("@crypto-lakehouse/") || BUNDLED.has(name)) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: fromOutdir(r.path), external: true };
    });
  },
};

/**
 * `import.meta.url` in a bundled workspace module would be the chunk's URL in dist/: it is rewritten to the
 * module's own built file, so `createRequire(import.meta.url)` still finds that package's dependencies.
 */
const ownUrls = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const own = `new URL(${JSON.stringify(fromOutdir(args.path))}, import.meta.url).href`;
      return {
        contents: source.replaceAll("import.meta.url", own),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};

// Chunks of an earlier build would otherwise pile up (their names carry a content hash).
mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(outdir)) if (/^chunk-.*\.js(\.map)?$/.test(f)) rmSync(join(outdir, f));

await build({
  entryPoints: { bin: join(here, "src", "bin.ts") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Node's own conditions: without a custom list esbuild would also honour bundlers' `module` condition.
  conditions: ["node"],
  sourcemap: "linked",
  chunkNames: "chunk-[hash]",
  // Bundled CommonJS (commander, picomatch) require() node's built-in modules: ESM has no `require` to give them.
  banner: {
    js: 'import { createRequire as __lakehouseCreateRequire } from "node:module"; const require = __lakehouseCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
  plugins: [externals, ownUrls],
});
