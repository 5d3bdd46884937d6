// `pnpm soak`: a crash soak, not a CI test. Collects ≥ 20,000 replica files (versitygw behind toxiproxy, with
// latency) while SIGKILLing the collector at random moments and starting it again, until a run completes; then
// checks that every planned file is in bronze exactly once, byte-equal to the replica, with its .CHECKSUM and its
// record, that no temp or partial file is left anywhere, and that `lakehouse verify` is clean. Prints the kills
// survived and the files checked.
//
//   pnpm build && pnpm soak [--files 20000] [--kills 8] [--latency 5] [--concurrency 16] [--seed 1] [--keep]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "apps", "cli", "dist", "bin.js");
const BUCKET = "data.binance.vision";
const { values: opt } = parseArgs({
  options: {
    files: { type: "string", default: "20000" },
    kills: { type: "string", default: "8" },
    latency: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
  },
});
const FILES = Number(opt.files);
const KILLS = Number(opt.kills);
for (const [name, v] of [
  ["--files", FILES],
  ["--kills", KILLS],
]) {
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name}: expected a whole number ≥ 0, got ${v}`);
    process.exit(2);
  }
}
if (!existsSync(BIN)) {
  console.error(`${BIN} is missing: run pnpm build first`);
  process.exit(2);
}

// A small deterministic PRNG (mulberry32), so a soak run can be repeated with --seed.
let state = Number(opt.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const testkit = await import(join(ROOT, "packages", "testkit", "dist", "index.js"));

// 20 symbols × N days of small files with no holes: every planned file exists.
const SYMBOLS = 20;
const days = Math.ceil(FILES / SYMBOLS);
const START = "2022-01-01";
const END = new Date(Date.parse(`${START}T00:00:00Z`) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
const cache = join(homedir(), ".cache", "crypto-lakehouse", "soak", `small-${days * SYMBOLS}`);
const manifestPath = join(cache, "manifest.json");
if (!existsSync(manifestPath)) {
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  console.error(`generating ${days * SYMBOLS} replica files in ${cache} …`);
  const manifest = await testkit.generateReplica({
    outDir: join(cache, "root", BUCKET),
    start: START,
    end: END,
    markets: ["spot"],
    dataTypes: ["trades"],
    symbols: ["BTCUSDT"],
    partitions: ["daily"],
    rowsPerFile: 1,
    quirks: false,
    smallFiles: { count: days * SYMBOLS, minKb: 1, maxKb: 4 },
  });
  await testkit.writeManifest(manifest, manifestPath);
}
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const planned = manifest.files.filter((f) => f.bench === "small");

process.env.VGW_KEEP_ALIVE = "true";
const gw = await testkit.startVersitygw({
  root: join(cache, "root"),
  buckets: [BUCKET],
  publicReadBuckets: [BUCKET],
  metaDir: join(cache, "meta"),
});
const toxi = await testkit.startToxiproxy();
const proxy = await toxi.createProxy("s3", `127.0.0.1:${gw.port}`);
await toxi.addToxic(proxy, { type: "latency", attributes: { latency: Number(opt.latency), jitter: 3 } });

const out = mkdtempSync(join(tmpdir(), "lh-soak-"));
const args = [
  BIN,
  "collect",
  "--endpoint",
  proxy.endpoint,
  "--market",
  "spot",
  "--symbols",
  "SMALL*",
  "--data-types",
  "trades",
  "--start",
  START,
  "--end",
  END,
  // The replica holds daily files only (auto would plan monthly files for whole months).
  "--partitions",
  "daily",
  "--output",
  out,
  "--concurrency",
  opt.concurrency,
  "--json",
];

/** Files recorded so far (finished records only). */
function recorded() {
  let n = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".zip.json")) n++;
    }
  };
  walk(join(out, "_meta", "files"));
  return n;
}

/** Runs the collector; kills it with SIGKILL once `killAt` more files are recorded (undefined: let it finish). */
function runCollector(killAt) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.resume();
    const base = recorded();
    const timer =
      killAt === undefined
        ? undefined
        : setInterval(() => {
            if (recorded() - base >= killAt) child.kill("SIGKILL");
          }, 25);
    child.on("exit", (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout });
    });
  });
}

const t0 = performance.now();
let kills = 0;
let runs = 0;
let final;
for (;;) {
  runs++;
  // Kill after a random share of what is left (at least a few files), until the kills are spent.
  const left = planned.length - recorded();
  const killAt =
    kills < KILLS && left > 50 ? Math.max(5, Math.floor(random() * Math.min(left, 4000))) : undefined;
  const r = await runCollector(killAt);
  if (r.signal === "SIGKILL") {
    kills++;
    console.error(`run ${runs}: killed (SIGKILL) at ${recorded()} of ${planned.length} files recorded`);
    continue;
  }
  if (r.code !== 0) {
    console.error(`run ${runs}: exited ${r.code} without being killed:\n${r.stdout.slice(0, 2000)}`);
    process.exitCode = 1;
    break;
  }
  final = JSON.parse(r.stdout);
  if (final.planned !== planned.length)
    console.error(`planned ${final.planned}, the replica has ${planned.length}`);
  console.error(
    `run ${runs}: completed (${final.counts.downloaded} downloaded, ${final.counts.skipped} skipped)`,
  );
  break;
}

const problems = [];
if (final) {
  // Every planned file: in bronze once (the layout has one path per file), byte-equal, with .CHECKSUM and record.
  for (const f of planned) {
    const name = f.key.split("/").pop();
    const rel = ["bronze", "spot", "trades", "daily", f.symbol, name].join("/");
    const path = join(out, rel);
    if (!existsSync(path)) {
      problems.push(`missing: ${rel}`);
      continue;
    }
    const sha = createHash("sha256").update(readFileSync(path)).digest("hex");
    if (sha !== f.sha256) problems.push(`differs from the replica: ${rel}`);
    if (!readFileSync(`${path}.CHECKSUM`, "utf8").includes(f.sha256)) problems.push(`bad .CHECKSUM: ${rel}`);
    const rec = join(out, "_meta", "files", `${rel}.json`);
    if (!existsSync(rec) || JSON.parse(readFileSync(rec, "utf8")).sha256 !== f.sha256)
      problems.push(`no (or a wrong) record: ${rel}`);
  }
  // Nothing else in bronze, and no temp or partial file anywhere.
  let zips = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        if (e.name.endsWith(".tmp") || e.name.endsWith(".part")) problems.push(`left behind: ${p}`);
        if (p.includes("/bronze/") && e.name.endsWith(".zip")) zips++;
        if (statSync(p).size === 0 && !e.name.endsWith(".json")) problems.push(`empty file: ${p}`);
      }
    }
  };
  walk(out);
  if (zips !== planned.length) problems.push(`bronze holds ${zips} zips, ${planned.length} planned`);
  const v = await new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "verify", "--output", out, "--json"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let s = "";
    child.stdout.on("data", (d) => {
      s += d;
    });
    child.on("exit", (code) => resolve({ code, s }));
  });
  if (v.code !== 0) problems.push(`verify exited ${v.code}: ${v.s.slice(0, 1000)}`);
  else if (JSON.parse(v.s).counts.ok !== planned.length) problems.push("verify did not find every file ok");
} else problems.push("no run completed");

const seconds = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `soak: ${kills} kills survived over ${runs} runs, ${planned.length} files checked in ${seconds} s ` +
    `(load average ${loadavg()[0].toFixed(1)}): ${problems.length ? `${problems.length} PROBLEMS` : "all ok"}`,
);
for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
await toxi.stop();
await gw.stop();
if (!opt.keep) rmSync(out, { recursive: true, force: true });
else console.log(`lakehouse kept in ${out}`);
if (problems.length) process.exitCode = 1;
