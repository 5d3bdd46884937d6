// Converts generated bronze to silver, two sets. `large`: spot trades and 1m klines (the archive's bulk), printing MB/s
// of CSV and peak RSS — target >= 100 MB/s of CSV on one core, RSS < 500 MB; "one core" is read two ways, both printed:
// wall MB/s with DuckDB threads=1 (Node inflates and scans the next zips on the other core meanwhile), and MB of CSV
// per CPU-second of the whole converting process. `small`: 300 daily 1m kline files (10 symbols x 30 days, 1,440 rows
// each), `lakehouse silver`'s conversion (exact decimals, checks, reports, state) against a plain Polars script doing
// the naive conversion of the same files (bench/silver-polars.py), whole processes, interleaved, printing wall, CPU
// and the ratio — target >= 1.0x the Polars script.
// Usage: pnpm bench silver [--set all|large|small] [--mb <zip MB of trades, default 120>] [--days <small: 30>]
//        [--rounds <small: 3>] [--workers <small, through the queue: 2; 0 = not>] [--python <interpreter>] [--threads <n>] [--compression snappy|zstd] [--keep]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { homedir, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    set: { type: "string", default: "all" },
    mb: { type: "string", default: "120" },
    days: { type: "string", default: "30" },
    rounds: { type: "string", default: "3" },
    python: { type: "string" },
    workers: { type: "string", default: "2" },
    threads: { type: "string", default: "1" },
    compression: { type: "string", default: "snappy" },
    keep: { type: "boolean", default: false },
    "convert-only": { type: "string" },
  },
});

const pkg = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;

if (args["convert-only"]) {
  // Child process: only the conversion, so peak RSS is the converter's, not the generator's.
  const { convertBronze } = await import(pkg("silver"));
  const { createLocalStorage } = await import(pkg("storage-local"));
  const storage = createLocalStorage({ root: args["convert-only"] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await convertBronze(
    storage,
    {},
    { threads: Number(args.threads), compression: args.compression, runId: `bench-${Date.now()}` },
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      secs,
      csvBytes: s.csvBytes,
      parquetBytes: s.parquetBytes,
      rows: s.rows,
      counts: s.counts,
      failures: s.failures.slice(0, 3),
      cpuSecs: (cpu.user + cpu.system) / 1e6,
      maxRssKb: process.resourceUsage().maxRSS,
    }),
  );
  process.exit(0);
}

const { generateReplica } = await import(pkg("testkit"));
const { bronzeFolder, basename } = await import(pkg("core"));

/** Generates a replica and lays its zips out as bronze under `<dir>/lake`. */
async function bronzeLake(dir, options) {
  const manifest = await generateReplica({ outDir: join(dir, "replica"), ...options });
  const lake = join(dir, "lake");
  for (const f of manifest.files) {
    const target = join(
      lake,
      ...`${bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval)}${basename(f.key)}`.split(
        "/",
      ),
    );
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(manifest.root, ...f.key.split("/")), target);
  }
  await rm(join(dir, "replica"), { recursive: true, force: true });
  return { lake, manifest };
}

/** CPU-seconds of this process's finished children (Linux /proc; NaN elsewhere). */
function childCpu() {
  try {
    const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Runs a whole process; wall and CPU (all its threads) as the parent sees them. */
function timed(cmd, argv) {
  const c0 = childCpu();
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (exit ${r.status}): ${r.error ?? ""}`);
  return { wall, cpu: childCpu() - c0, out: r.stdout };
}

const CLI = new URL("../apps/cli/dist/bin.js", import.meta.url).pathname;
const WORKER = new URL("../apps/worker/dist/bin.js", import.meta.url).pathname;
const silverFlags = ["--threads", args.threads, "--compression", args.compression];

/** Starts a lakehouse-worker and resolves once it takes batches. */
function startWorker(queue) {
  const proc = spawn(process.execPath, [WORKER, "--queue", queue, "--log-format", "json"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on("line", (line) => {
      if (line.includes('"worker ready"')) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return { proc, ready };
}

/** `lakehouse silver --queue` with `n` workers on a local redis-server: wall of the submitting process. */
async function queued(lake, n, files) {
  const { startRedis } = await import(pkg("testkit"));
  const redis = await startRedis();
  const queue = `${redis.url}?queue=bench-silver&pollMs=100`;
  const ws = Array.from({ length: n }, () => startWorker(queue));
  try {
    await Promise.all(ws.map((w) => w.ready));
    await rm(join(lake, "silver"), { recursive: true, force: true });
    await rm(join(lake, "_meta", "silver"), { recursive: true, force: true });
    const load = loadavg()[0];
    const t0 = performance.now();
    const out = await new Promise((resolve, reject) => {
      const p = spawn(
        process.execPath,
        [CLI, "silver", "-o", lake, "--json", "--queue", queue, ...silverFlags],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let text = "";
      p.stdout.on("data", (d) => {
        text += d;
      });
      p.once("exit", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`silver --queue exit ${code}`)),
      );
    });
    const wall = (performance.now() - t0) / 1000;
    const r = JSON.parse(out);
    if (r.counts.converted !== files) throw new Error(`silver --queue converted ${r.counts.converted} files`);
    return { wall, load };
  } finally {
    for (const w of ws) w.proc.kill("SIGTERM");
    await Promise.all(
      ws.map((w) => new Promise((r) => (w.proc.exitCode !== null ? r() : w.proc.once("exit", r)))),
    );
    await redis.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function largeSet(dir) {
  const mb = Number(args.mb);
  const large = Math.max(1, Math.round(mb / 20));
  const g0 = performance.now();
  const { lake, manifest } = await bronzeLake(dir, {
    markets: ["spot", "futures_um"],
    dataTypes: ["klines"],
    symbols: { spot: ["BTCUSDT", "ETHUSDT"], futures_um: ["BTCUSDT", "ETHUSDT"] },
    intervals: ["1m"],
    partitions: ["daily"],
    start: "2024-12-29",
    end: "2025-01-02",
    rowsPerFile: 1440,
    largeFiles: { count: large, sizeMb: mb / large },
  });
  const zipBytes = manifest.files.reduce((n, f) => n + f.size, 0);
  console.log(
    `generated ${manifest.files.length} zips (${(zipBytes / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - g0) / 1000).toFixed(1)} s`,
  );

  // Other jobs on the machine slow the conversion: say how busy it was.
  const load = loadavg()[0];
  const child = spawnSync(
    process.execPath,
    [
      new URL(import.meta.url).pathname,
      "--convert-only",
      lake,
      "--threads",
      args.threads,
      "--compression",
      args.compression,
    ],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  if (child.status !== 0) throw new Error(`conversion failed (exit ${child.status})`);
  const r = JSON.parse(child.stdout);
  if (r.counts.failed) console.log("failures:", r.failures);
  const csvMb = r.csvBytes / 2 ** 20;
  const rate = csvMb / r.secs;
  const perCpu = csvMb / r.cpuSecs;
  const rssMb = r.maxRssKb / 1024;
  console.log(
    `silver: ${r.counts.converted} files, ${csvMb.toFixed(0)} MB of CSV, ${r.rows.toLocaleString("en")} rows → ${(r.parquetBytes / 2 ** 20).toFixed(0)} MB Parquet (${args.compression}); ` +
      `DuckDB threads ${args.threads}; load average ${load.toFixed(2)} before the conversion\n` +
      `  wall ${r.secs.toFixed(2)} s = ${rate.toFixed(0)} MB/s of CSV\n` +
      `  CPU  ${r.cpuSecs.toFixed(2)} s, all threads of the process (${(r.cpuSecs / r.secs).toFixed(2)} cores busy) = ${perCpu.toFixed(0)} MB of CSV per CPU-second\n` +
      `  peak RSS ${rssMb.toFixed(0)} MB`,
  );
  console.log(
    `targets: >= 100 MB/s wall with DuckDB threads=${args.threads} ${rate >= 100 ? "met" : "MISSED"}; < 500 MB RSS ${rssMb < 500 ? "met" : "MISSED"}; ` +
      `per CPU-second ${perCpu >= 100 ? ">= 100: met on one core alone too" : "< 100: one core alone would not reach it"}`,
  );
}

/** The interpreter scripts/setup-python.sh sets up (its polars is pinned there), or `--python`. */
function python() {
  const py = args.python ?? join(homedir(), ".cache", "crypto-lakehouse", "python", "bin", "python");
  if (!existsSync(py))
    throw new Error(`No Python at ${py}: run \`bash scripts/setup-python.sh\` (or pass --python)`);
  return py;
}

async function smallSet(dir) {
  const days = Number(args.days);
  const symbols = ["BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "LTC", "DOT", "LINK"].map(
    (s) => `${s}USDT`,
  );
  const end = new Date(Date.parse("2024-12-01T00:00:00Z") + (days - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const { lake, manifest } = await bronzeLake(dir, {
    markets: ["spot"],
    dataTypes: ["klines"],
    symbols: { spot: symbols },
    intervals: ["1m"],
    partitions: ["daily"],
    start: "2024-12-01",
    end,
    rowsPerFile: 1440,
    quirks: false,
  });
  const zipMb = manifest.files.reduce((n, f) => n + f.size, 0) / 2 ** 20;
  console.log(
    `\nsmall files: ${manifest.files.length} daily 1m kline zips (${zipMb.toFixed(1)} MB), ${args.rounds} interleaved rounds`,
  );
  const py = python();
  const script = new URL("silver-polars.py", import.meta.url).pathname;
  const ours = [];
  const theirs = [];
  const loads = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    loads.push(loadavg()[0]);
    // Each side starts from nothing: no silver, no state, no earlier output.
    await rm(join(lake, "silver"), { recursive: true, force: true });
    await rm(join(lake, "_meta", "silver"), { recursive: true, force: true });
    const a = timed(process.execPath, [CLI, "silver", "-o", lake, "--json", ...silverFlags]);
    const r = JSON.parse(a.out);
    if (r.counts.converted !== manifest.files.length)
      throw new Error(`silver converted ${r.counts.converted} files: ${JSON.stringify(r.failures)}`);
    ours.push(a);
    const out = join(dir, "polars-out");
    await rm(out, { recursive: true, force: true });
    const b = timed(py, [script, lake, out]);
    if (JSON.parse(b.out).rows !== r.rows)
      throw new Error(`polars wrote ${b.out.trim()}, silver ${r.rows} rows`);
    theirs.push(b);
    console.log(
      `  round ${round + 1}: lakehouse silver ${a.wall.toFixed(2)} s wall, ${a.cpu.toFixed(2)} s CPU | polars ${b.wall.toFixed(2)} s wall, ${b.cpu.toFixed(2)} s CPU | ratio ${(b.wall / a.wall).toFixed(2)}x (load ${loads.at(-1).toFixed(2)})`,
    );
  }
  const row = (name, xs) =>
    `| ${name} | ${median(xs.map((x) => x.wall)).toFixed(2)} s | ${median(xs.map((x) => x.cpu)).toFixed(2)} s |`;
  const ratio = median(ours.map((a, i) => theirs[i].wall / a.wall));
  console.log(
    [
      "| converter (whole process, median) | wall | CPU |",
      "|---|---:|---:|",
      row("lakehouse silver (exact decimals, reports, state)", ours),
      row("polars script (float64, naive)", theirs),
    ].join("\n"),
  );
  console.log(
    `ratio (polars wall / silver wall, median of rounds): ${ratio.toFixed(2)}x — target >= 1.0x ${ratio >= 1 ? "met" : "MISSED"}; load average ${loads.map((l) => l.toFixed(2)).join(", ")} before the rounds`,
  );
  const workers = Number(args.workers);
  if (workers > 0) {
    const q = await queued(lake, workers, manifest.files.length);
    const inproc = median(ours.map((x) => x.wall));
    console.log(
      `through the queue, ${workers} lakehouse-workers (local redis-server, same machine): ${q.wall.toFixed(2)} s wall ` +
        `(${(inproc / q.wall).toFixed(2)}x the in-process median; load average ${q.load.toFixed(2)})`,
    );
  }
}

const dir = await mkdtemp(join(tmpdir(), "bench-silver-"));
try {
  if (args.set === "all" || args.set === "large") await largeSet(join(dir, "large"));
  if (args.set === "all" || args.set === "small") await smallSet(join(dir, "small"));
} finally {
  if (args.keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
