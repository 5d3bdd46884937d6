// `pnpm bench coverage`: how long `lakehouse coverage` takes over 100,000 stored files and their archive listing,
// and with how much memory; and the HTML report for 1,000 symbols × 2,000 days (size, build, render in Chromium).
// The reference is the floor any coverage pays: one listing of bronze and of its records.
// Each measurement runs in a fresh process (peak RSS is per process): `--child <files|render> …`.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dist = (p) => new URL(`../packages/${p}/dist/index.js`, import.meta.url).href;
const SYMBOLS = 100;
const secs = (t) => (performance.now() - t) / 1000;
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Daily trades of SYMBOLS symbols over `days` days: zip + .CHECKSUM + record each (a few left out). */
async function buildLake(root, days) {
  const core = await import(dist("core"));
  rmSync(root, { recursive: true, force: true });
  const t = performance.now();
  let stored = 0;
  for (let i = 0; i < SYMBOLS; i++) {
    const symbol = `COV${String(i).padStart(4, "0")}USDT`;
    const folder = join(root, core.bronzeFolder("spot", "trades", "daily", symbol));
    const records = join(root, core.fileRecordFolder(core.bronzeFolder("spot", "trades", "daily", symbol)));
    mkdirSync(folder, { recursive: true });
    mkdirSync(records, { recursive: true });
    for (let d = 0; d < days; d++) {
      // Every 50th day is left to collect, so not every cell is verified.
      if ((i + d) % 50 === 0) continue;
      const name = `${symbol}-trades-${core.addDays("2021-01-01", d)}.zip`;
      writeFileSync(join(folder, name), "");
      writeFileSync(join(folder, `${name}.CHECKSUM`), "");
      writeFileSync(join(records, `${name}.json`), "{}");
      stored++;
    }
  }
  return { stored, setup: secs(t) };
}

/** An in-memory archive: every day listed except every 97th (holes), with sizes; no monthly files. */
function fakeArchive(days) {
  return async function* list(prefix) {
    const m = /\/daily\/trades\/(COV\d{4}USDT)\/$/.exec(prefix);
    if (!m) return;
    const { addDays } = await import(dist("core"));
    for (let d = 0; d < days; d++) {
      if (d % 97 === 42) continue;
      const key = `${prefix}${m[1]}-trades-${addDays("2021-01-01", d)}.zip`;
      yield { kind: "object", key, size: 100_000 + d, etag: "0".repeat(32), lastModified: new Date(0) };
      yield { kind: "object", key: `${key}.CHECKSUM`, size: 100 };
    }
  };
}

async function childFiles(root, days, mode) {
  const [{ computeCoverage }, { createLocalStorage }, { builtinRegistry }, core] = await Promise.all([
    import(dist("coverage")),
    import(dist("storage-local")),
    import(dist("runtime")),
    import(dist("core")),
  ]);
  const storage = createLocalStorage({ root });
  const catalog = core.createCatalog(builtinRegistry().markets);
  if (mode === "floor") {
    const t = performance.now();
    let n = 0;
    for await (const _ of storage.list("bronze/")) n++;
    for await (const _ of storage.list("_meta/files/")) n++;
    return { seconds: secs(t), objects: n, rssMb: rssMb() };
  }
  let archiveCalls = 0;
  const list = fakeArchive(days);
  const t = performance.now();
  const summary = await computeCoverage({
    storage,
    catalog,
    source: "bench",
    lister: (prefix) => {
      archiveCalls++;
      return list(prefix);
    },
    today: "2030-01-01",
    // "cold": list every folder and write the cache; "cached": answer from _meta/listing/ only.
    listingMaxAgeMs: mode === "cold" ? 0 : 365 * 86_400_000,
  });
  const cells = Object.values(summary.totals).reduce((a, b) => a + b, 0);
  return { seconds: secs(t), cells, totals: summary.totals, archiveCalls, rssMb: rssMb() };
}

async function childRender(file) {
  const [{ HtmlReport }, util, { launchChromium }] = await Promise.all([
    import(dist("coverage")),
    import(new URL("../packages/coverage/dist/report.test-util.js", import.meta.url).href),
    import(dist("testkit")),
  ]);
  const grid = { symbols: 1000, days: 2000 };
  let t = performance.now();
  for (const _ of util.syntheticCells(grid));
  const generate = secs(t);
  t = performance.now();
  const report = new HtmlReport();
  for (const c of util.syntheticCells(grid)) report.add(c);
  const html = report.html({ summary: util.syntheticSummary(), runs: [], location: "/bench" });
  const build = secs(t) - generate;
  writeFileSync(file, html);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    t = performance.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.rendered === "true", undefined, {
      timeout: 120_000,
    });
    const wall = secs(t);
    const script = Number(await page.evaluate(() => document.body.dataset.renderMs)) / 1000;
    return { bytes: Buffer.byteLength(html), build, wall, script, rssMb: rssMb() };
  } finally {
    await browser.close();
  }
}

function child(args, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, import.meta.filename, "--child", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`child ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

if (process.argv[2] === "--child") {
  const [kind, a, b, c] = process.argv.slice(3);
  const out = kind === "render" ? await childRender(a) : await childFiles(a, Number(b), c);
  console.log(JSON.stringify(out));
} else {
  const { execSync } = await import("node:child_process");
  console.log(`load: ${execSync("uptime").toString().trim()}`);
  const base = join(tmpdir(), "lh-bench-coverage");
  // 100 and 1,021 days: ~10k and ~100k stored files over the same 100 series.
  for (const days of [100, 1021]) {
    const root = join(base, String(days));
    const { stored, setup } = await buildLake(root, days);
    console.log(
      `\n${SYMBOLS} symbols × ${days} days: ${stored.toLocaleString("en")} stored files (set up in ${setup.toFixed(1)} s)`,
    );
    const floor = child(["files", root, String(days), "floor"]);
    const cold = child(["files", root, String(days), "cold"]);
    const cached = child(["files", root, String(days), "cached"]);
    const line = (name, r) =>
      `  ${name.padEnd(38)} ${r.seconds.toFixed(2).padStart(6)} s  ${(r.seconds / floor.seconds).toFixed(2).padStart(5)}× floor  peak RSS ${r.rssMb} MB`;
    console.log(line("floor: list bronze + records", floor));
    console.log(
      `${line("coverage, archive listed (cold)", cold)}  ${cold.archiveCalls} folder listings, ${cold.cells.toLocaleString("en")} cells`,
    );
    console.log(
      `${line("coverage, listing from _meta/ (cached)", cached)}  ${cached.archiveCalls} archive requests`,
    );
    // Bounded memory: the same run with V8's heap capped at 64 MB still completes.
    const capped = child(["files", root, String(days), "cached"], ["--max-old-space-size=64"]);
    console.log(`${line("  …with the heap capped at 64 MB", capped)}`);
    console.log(`  states: ${JSON.stringify(cached.totals)}`);
    rmSync(root, { recursive: true, force: true });
  }
  const file = join(base, "report-1000x2000.html");
  const r = child(["render", file]);
  console.log(
    `\nHTML report, 1,000 symbols × 2,000 days: ${(r.bytes / 1024 / 1024).toFixed(2)} MB (limit 5 MB), built in ${r.build.toFixed(2)} s (2M cells, their generation excluded); ` +
      `Chromium: rendered ${r.wall.toFixed(2)} s after navigation (script ${r.script.toFixed(2)} s; target < 3 s)`,
  );
  rmSync(base, { recursive: true, force: true });
}
