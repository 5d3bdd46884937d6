// Converts generated bronze (spot trades and 1m klines, the archive's bulk) to silver and prints MB/s of CSV and peak RSS.
// Target (silver issue): >= 100 MB/s of CSV on one core, RSS < 500 MB. "One core" is read two ways, both printed: wall
// MB/s with DuckDB threads=1 (the target; Node inflates and scans the next zips on the other core meanwhile), and MB of
// CSV per CPU-second of the whole converting process (what one core alone could do).
// Usage: pnpm bench silver [--mb <zip MB of trades, default 120>] [--threads <n>] [--compression snappy|zstd] [--keep]
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    mb: { type: "string", default: "120" },
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
    { threads: Number(args.threads), compression: args.compression, runId: "bench" },
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
const dir = await mkdtemp(join(tmpdir(), "bench-silver-"));
try {
  const mb = Number(args.mb);
  const large = Math.max(1, Math.round(mb / 20));
  const g0 = performance.now();
  const manifest = await generateReplica({
    outDir: join(dir, "replica"),
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
} finally {
  if (args.keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
