// What one core spends on each stage of converting one large trades zip to silver, best of N, in CPU-seconds:
// extraction (read + inflate + CRC + scratch write), the decimal exactness scan, and DuckDB's COPY … TO parquet as
// silver runs it (DECIMAL(38,18) out) and, for comparison, with DECIMAL(18,8) out. Their sum is the ceiling of the
// silver target "≥ 100 MB/s of CSV on one core" on this machine (see BENCHMARKS.md).
// Usage: pnpm bench silver-stages [--mb <CSV MB of the trades file, default 60>] [--rounds 5]; pin it to one core
// with `taskset -c 0` for the single-core figure.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { mb: { type: "string", default: "60" }, rounds: { type: "string", default: "5" } },
});
const dist = (pkg, file) => new URL(`../packages/${pkg}/dist/${file}`, import.meta.url).href;
const { generateReplica } = await import(dist("testkit", "index.js"));
const { spotMarket } = await import(dist("market-spot", "index.js"));
const { silverSchema } = await import(dist("silver", "index.js"));
const { extractCsv } = await import(dist("silver", "unzip.js"));
const { DecimalScanner } = await import(dist("silver", "scan.js"));
const { selectSql, lit } = await import(dist("silver", "sql.js"));
const { openDuck } = await import(dist("silver", "duck.js"));

const rounds = Number(args.rounds);
const dir = await mkdtemp(join(tmpdir(), "bench-silver-stages-"));
try {
  // One large spot trades file (the generator sizes "large" files by zip MB, about a third of the CSV).
  const manifest = await generateReplica({
    outDir: join(dir, "replica"),
    markets: ["spot"],
    dataTypes: ["trades"],
    symbols: { spot: ["BTCUSDT"] },
    partitions: ["daily"],
    start: "2024-12-29",
    end: "2024-12-29",
    quirks: false,
    largeFiles: { count: 1, sizeMb: Number(args.mb) / 3 },
  });
  const file = manifest.files.find((f) => f.bench === "large") ?? manifest.files[0];
  const zip = join(manifest.root, ...file.key.split("/"));
  const csv = join(dir, "trades.csv");
  const schema = silverSchema(spotMarket, "trades");
  const decimals = schema.csv.columns.map((c) => c.type === "decimal");

  /** Best CPU-seconds of the whole process over `rounds` runs (DuckDB's threads included). */
  const best = async (fn) => {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < rounds; i++) {
      const c0 = process.cpuUsage();
      await fn();
      const c = process.cpuUsage(c0);
      min = Math.min(min, (c.user + c.system) / 1e6);
    }
    return min;
  };

  let scan;
  const extract = await best(() => extractCsv(zip, csv));
  const extractScan = await best(async () => {
    const s = new DecimalScanner(decimals);
    await extractCsv(zip, csv, (chunk) => s.push(chunk));
    scan = s.result(false);
  });
  const csvMb = (await stat(csv)).size / 2 ** 20;
  const duck = await openDuck({ threads: 1 });
  const plan = { header: false, unit: "ms", fastDecimal: scan.fast };
  const out = join(dir, "out.parquet");
  const silverSql = selectSql(csv, schema, plan);
  const copy = (q) => duck.exec(`COPY (${q}) TO ${lit(out)} (FORMAT parquet, COMPRESSION snappy)`);
  const copySilver = await best(() => copy(silverSql));
  const narrow = silverSql.replaceAll("CAST(", "(").replaceAll(" AS DECIMAL(38,18))", ")");
  const copyNarrow = await best(() => copy(narrow));
  duck.close();

  const scanOnly = extractScan - extract;
  const total = extractScan + copySilver;
  const row = (what, s) =>
    `  ${what.padEnd(54)} ${s.toFixed(3)} s   ${(csvMb / s).toFixed(0).padStart(5)} MB/s`;
  console.log(
    [
      `one spot trades file: ${csvMb.toFixed(1)} MB of CSV, ${file.rows.toLocaleString("en")} rows; CPU-seconds, best of ${rounds}`,
      row("extract (read, inflate, CRC-32, write scratch CSV)", extract),
      row("decimal exactness scan", scanOnly),
      row("DuckDB COPY to Parquet, DECIMAL(38,18) out (silver)", copySilver),
      row("DuckDB COPY to Parquet, DECIMAL(18,8) out (not exact)", copyNarrow),
      row("sum for silver = one core's ceiling", total),
      `fast decimal columns: ${scan.fast.map((f, i) => (decimals[i] ? (f ? "yes" : "no") : "-")).join(",")}`,
    ].join("\n"),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
