// Writes a replica of the archive to disk (zips + CHECKSUM sidecars in the real layout) and returns its manifest.
import { access, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { LakehouseError, type MarketPlugin, mapConcurrent } from "@crypto-lakehouse/core";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";
import { BENCH_LEVEL, benchBuffer, benchContent, benchStream, benchSymbol } from "./bench.js";
import { daysBetween, periodRange } from "./calendar.js";
import { type CsvContext, csvText, generatedColumns, klineRowCount } from "./csv/index.js";
import { type PlannedFile, planReplica, type ReplicaPlan } from "./plan.js";
import { createRng } from "./prng.js";
import { flavorOf, symbolProfile } from "./profile.js";
import {
  checksumHasNewline,
  hasHeader,
  isDuplicated,
  OUTAGE_ROW,
  QUIRK_DATES,
  timeUnitFor,
} from "./quirks.js";
import type { ReplicaFile, ReplicaManifest, ReplicaOptions } from "./types.js";
import { checksumText, sha256Hex, zipBuffer, zipMtime, zipStreamToFile } from "./zip.js";

const MiB = 1024 * 1024;
const CHECKSUM = ".CHECKSUM";

const invalid = (msg: string) => new LakehouseError("CONFIG_INVALID", msg);

function checkNumbers(o: ReplicaOptions): void {
  const positiveInt = (v: number | undefined, name: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw invalid(`Replica option ${name} must be a whole number ≥ 1 (got ${v})`);
  };
  positiveInt(o.rowsPerFile, "rowsPerFile");
  positiveInt(o.concurrency, "concurrency");
  if (o.largeFiles) {
    if (!Number.isInteger(o.largeFiles.count) || o.largeFiles.count < 0)
      throw invalid("Replica option largeFiles.count must be a whole number ≥ 0");
    if (!(o.largeFiles.sizeMb > 0)) throw invalid("Replica option largeFiles.sizeMb must be > 0");
  }
  if (o.smallFiles) {
    const { count, minKb, maxKb } = o.smallFiles;
    if (!Number.isInteger(count) || count < 0)
      throw invalid("Replica option smallFiles.count must be a whole number ≥ 0");
    if (!(minKb > 0) || !(maxKb >= minKb)) throw invalid("Replica option smallFiles needs 0 < minKb ≤ maxKb");
  }
}

/** Refuses to mix a new replica with old files, unless asked to replace them. */
async function prepareDataDir(dataDir: string, overwrite: boolean): Promise<void> {
  const entries = await readdir(dataDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [] as string[];
    throw new LakehouseError("STORAGE_FAILED", `Cannot read ${dataDir}: ${e.message}`, { cause: e });
  });
  if (entries.length === 0) return;
  if (!overwrite) {
    throw invalid(
      `${dataDir} already holds files; choose an empty outDir or pass overwrite: true to replace them`,
    );
  }
  await rm(dataDir, { recursive: true, force: true });
}

const fileName = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/** Writes a zip's bytes and its sidecar; the sidecar hashes `sidecarSha` (the zip's own unless stale; none: no sidecar). */
async function writePair(
  root: string,
  key: string,
  zip: Buffer | undefined,
  sidecarSha: string | undefined,
  newline: boolean,
) {
  const path = join(root, ...key.split("/"));
  await mkdir(dirname(path), { recursive: true });
  if (zip) await writeFile(path, zip);
  if (sidecarSha) await writeFile(path + CHECKSUM, checksumText(sidecarSha, fileName(key), newline));
}

/** The keys published without a `.CHECKSUM`: as given, or the last N daily files that are no hole nor stale. */
function chooseWithoutChecksum(
  o: ReplicaOptions,
  files: readonly PlannedFile[],
  skip: Set<string>,
): string[] {
  const w = o.withoutChecksum;
  if (Array.isArray(w)) return [...w].sort();
  if (!w) return [];
  const daily = files.filter((f) => f.partition === "daily" && !skip.has(f.key)).map((f) => f.key);
  return daily.slice(-w).sort();
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** What writing the planned files shares: the run's options and what the files' quirks collect. */
interface FileWriter {
  options: ReplicaOptions;
  root: string;
  /** The key whose sidecar goes stale. */
  stale: string | undefined;
  quirks: boolean;
  seed: number;
  rowsPerFile: number;
  /** Keys published without a `.CHECKSUM`. */
  noChecksum: ReadonlySet<string>;
  /** The klines files that carry an outage row, filled in as they are written. */
  outageKlines: { key: string; row: number }[];
}

/** The generator's view of one planned file; marks its outage row when it carries one. */
function csvContextOf(f: PlannedFile, w: FileWriter, timeUnit: ReturnType<typeof timeUnitFor>): CsvContext {
  const { start, end } = periodRange(f.partition, f.period);
  const flavor = flavorOf(f.plugin);
  const ctx: CsvContext = {
    market: f.market,
    flavor,
    dataType: f.dataType,
    symbol: f.symbol,
    ...(f.interval ? { interval: f.interval } : {}),
    partition: f.partition,
    period: f.period,
    start,
    end,
    unit: timeUnit === "us" ? "us" : "ms",
    rowsPerFile: w.rowsPerFile,
    duplicate: isDuplicated(f.plugin, f.dataType, f.partition, f.period, w.quirks),
    emptyCells: w.quirks,
    profile: symbolProfile(flavor, f.symbol, start),
    rng: createRng(w.seed, f.key),
  };
  // An outage on the first day of the range (1m klines): a flat zero-volume row, as the archive shows them.
  if (
    w.quirks &&
    f.dataType === "klines" &&
    f.interval === "1m" &&
    f.partition === "daily" &&
    f.period === w.options.start &&
    klineRowCount(ctx) > OUTAGE_ROW
  ) {
    ctx.outageRow = OUTAGE_ROW;
    w.outageKlines.push({ key: f.key, row: OUTAGE_ROW });
  }
  return ctx;
}

/** Writes one planned file's zip and sidecar (a stale one, or none, when the plan says so); returns its entry. */
async function writePlannedFile(f: PlannedFile, w: FileWriter): Promise<ReplicaFile> {
  const csv = f.spec.csv;
  const header = hasHeader(csv, f.partition, f.period, w.quirks);
  const timeUnit = timeUnitFor(csv, f.partition, f.period, w.quirks);
  const ctx = csvContextOf(f, w, timeUnit);
  const columns = csv?.columns.map((c) => c.name) ?? generatedColumns(ctx.flavor, f.dataType);
  const { text, rows } = csvText(ctx, header ? columns : undefined);
  const base = fileName(f.key).slice(0, -".zip".length);
  const zip = await zipBuffer(`${base}.csv`, Buffer.from(text), { mtime: zipMtime(f.partition, f.period) });
  const sha256 = sha256Hex(zip);
  const stale = w.stale === f.key;
  // A stale sidecar still hashes "a" zip: the earlier upload that Binance replaced without updating it.
  const sidecarSha = stale ? sha256Hex(Buffer.concat([zip, Buffer.from("earlier upload")])) : sha256;
  const noChecksum = w.noChecksum.has(f.key);
  // Merging into an existing tree leaves the files already there as they are (re-uploads included).
  const there = w.options.merge && (await exists(join(w.root, ...f.key.split("/"))));
  if (!there)
    await writePair(w.root, f.key, zip, noChecksum ? undefined : sidecarSha, checksumHasNewline(f.plugin));
  return {
    key: f.key,
    size: zip.length,
    sha256,
    checksumKey: f.key + CHECKSUM,
    ...(stale ? { stale: true } : {}),
    ...(noChecksum ? { noChecksum: true } : {}),
    market: f.market,
    partition: f.partition,
    dataType: f.dataType,
    symbol: f.symbol,
    ...(f.interval ? { interval: f.interval } : {}),
    period: f.period,
    rows,
    header,
    timeUnit,
  };
}

/** The manifest of a written replica: its files, its quirks, and the options it was generated with. */
function manifestOf(
  options: ReplicaOptions,
  plan: ReplicaPlan,
  w: FileWriter,
  files: ReplicaFile[],
  withoutChecksum: string[],
): ReplicaManifest {
  const { quirks, outageKlines } = w;
  const { outDir: _o, plugins: _p, ...echo } = options;
  const stale = plan.stale ? [plan.stale] : [];
  const markets = [...new Set(files.map((f) => f.market))].sort();
  return {
    version: 1,
    root: w.root,
    options: echo,
    files,
    holes: [...plan.holes],
    stale,
    withoutChecksum,
    quirks: {
      enabled: quirks,
      headerSwitch: quirks
        ? { daily: QUIRK_DATES.headerDailyFrom, monthly: QUIRK_DATES.headerMonthlyFrom }
        : null,
      microsecondsFrom: quirks ? QUIRK_DATES.microsecondsFrom : null,
      duplicatedMetrics: quirks ? { ...QUIRK_DATES.duplicatedMetrics } : null,
      duplicatedLiquidations: quirks,
      emptyMetricCells: quirks,
      outageKlines,
      staleChecksums: stale,
      holes: [...plan.holes],
      emptyDataTypes: plan.emptyDataTypes,
      checksumTrailingNewline: Object.fromEntries(markets.map((m) => [m, checksumHasNewline(m)])),
    },
  };
}

/** The market the benchmark files belong to: they are daily trades written in the spot dialect (see bench.ts). */
function benchMarket(plugins: readonly MarketPlugin[] | undefined): MarketPlugin {
  const writesSpotTrades = (p: MarketPlugin) => p.replica?.dialect === "spot";
  const market = plugins?.find(writesSpotTrades) ?? BUILTIN_MARKETS.find(writesSpotTrades);
  if (!market) throw new Error("No built-in market writes the spot dialect the benchmark files use");
  return market;
}

/**
 * Generates a replica of the archive under `<outDir>/data`: every file the market plugins' matrix says exists for
 * the selection, with the archive's quirks (see README), plus optional benchmark files. Same options → same bytes.
 */
export async function generateReplica(options: ReplicaOptions): Promise<ReplicaManifest> {
  checkNumbers(options);
  const plan = planReplica(options);
  const root = resolve(options.outDir);
  if (!options.merge) await prepareDataDir(join(root, "data"), options.overwrite ?? false);
  const quirks = options.quirks ?? true;
  const seed = options.seed ?? 1;
  const holes = new Set(plan.holes);
  const withoutChecksum = chooseWithoutChecksum(
    options,
    plan.files,
    new Set([...plan.holes, ...(plan.stale ? [plan.stale] : [])]),
  );
  const writer: FileWriter = {
    options,
    root,
    stale: plan.stale,
    quirks,
    seed,
    rowsPerFile: options.rowsPerFile ?? 50,
    noChecksum: new Set(withoutChecksum),
    outageKlines: [],
  };
  const concurrency = options.concurrency ?? 8;
  const files = await mapConcurrent(
    plan.files.filter((f) => !holes.has(f.key)).map((f) => () => writePlannedFile(f, writer)),
    concurrency,
  );
  const bench = { o: options, root, spot: benchMarket(options.plugins), seed, quirks };
  files.push(...(await writeBenchFiles(bench, concurrency)));
  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  writer.outageKlines.sort((a, b) => (a.key < b.key ? -1 : 1));
  return manifestOf(options, plan, writer, files, withoutChecksum);
}

/** What writing the benchmark files shares. */
interface BenchWriter {
  o: ReplicaOptions;
  root: string;
  /** The market they belong to (spot daily trades). */
  spot: MarketPlugin;
  seed: number;
  quirks: boolean;
}

/** Key, time unit and zip member of a benchmark file. */
function benchEntry(b: BenchWriter, symbol: string, day: string) {
  const { spot, quirks } = b;
  const csv = spot.matrix.dataTypes.trades?.csv;
  const key = spot.fileKey({ market: spot.id, partition: "daily", dataType: "trades", symbol, period: day });
  const unit = timeUnitFor(csv, "daily", day, quirks) === "us" ? ("us" as const) : ("ms" as const);
  return { key, unit, member: `${fileName(key).slice(0, -4)}.csv` };
}

/** The manifest entry of a written benchmark file. */
function benchRecord(
  b: BenchWriter,
  file: { key: string; day: string; symbol: string; size: number; sha256: string; rows: number },
  unit: "ms" | "us",
  bench: "large" | "small",
): ReplicaFile {
  const { key, day, symbol, size, sha256, rows } = file;
  return {
    key,
    size,
    sha256,
    checksumKey: key + CHECKSUM,
    market: b.spot.id,
    partition: "daily",
    dataType: "trades",
    symbol,
    period: day,
    rows,
    header: hasHeader(b.spot.matrix.dataTypes.trades?.csv, "daily", day, b.quirks),
    timeUnit: unit,
    bench,
  };
}

/** The `i`th large benchmark file (from 1), streamed through zlib straight to disk. */
async function writeLargeBenchFile(b: BenchWriter, i: number, sizeMb: number): Promise<ReplicaFile> {
  const symbol = benchSymbol("large", i);
  const day = b.o.start;
  const { key, unit, member } = benchEntry(b, symbol, day);
  const path = join(b.root, ...key.split("/"));
  await mkdir(dirname(path), { recursive: true });
  const { stream, rows } = benchStream(b.seed, key, day, unit, benchContent(sizeMb * MiB, member, unit));
  const { size, sha256 } = await zipStreamToFile(member, stream, path, {
    mtime: zipMtime("daily", day),
    level: BENCH_LEVEL,
  });
  await writePair(b.root, key, undefined, sha256, checksumHasNewline(b.spot));
  return benchRecord(b, { key, day, symbol, size, sha256, rows: rows() }, unit, "large");
}

/** The `i`th small benchmark file (from 0), built in memory; one symbol per run of days. */
async function writeSmallBenchFile(
  b: BenchWriter,
  i: number,
  days: readonly string[],
  small: { minKb: number; maxKb: number },
): Promise<ReplicaFile> {
  const symbol = benchSymbol("small", Math.floor(i / days.length) + 1);
  const day = days[i % days.length]!;
  const { key, unit, member } = benchEntry(b, symbol, day);
  const kb = small.minKb + createRng(b.seed, "small-size", i).next() * (small.maxKb - small.minKb);
  const { data, rows } = benchBuffer(b.seed, key, day, unit, benchContent(kb * 1024, member, unit));
  const zip = await zipBuffer(member, data, { mtime: zipMtime("daily", day), level: BENCH_LEVEL });
  const sha256 = sha256Hex(zip);
  await writePair(b.root, key, zip, sha256, checksumHasNewline(b.spot));
  return benchRecord(b, { key, day, symbol, size: zip.length, sha256, rows }, unit, "small");
}

/** The benchmark files: large ones streamed to disk, small ones built in memory; all spot daily trades. */
async function writeBenchFiles(b: BenchWriter, concurrency: number): Promise<ReplicaFile[]> {
  const large = b.o.largeFiles ?? { count: 0, sizeMb: 0 };
  const largeTasks = Array.from(
    { length: large.count },
    (_, k) => () => writeLargeBenchFile(b, k + 1, large.sizeMb),
  );
  const small = b.o.smallFiles ?? { count: 0, minKb: 1, maxKb: 1 };
  const days = daysBetween(b.o.start, b.o.end);
  const smallTasks = Array.from(
    { length: small.count },
    (_, i) => () => writeSmallBenchFile(b, i, days, small),
  );
  // Large files stream through zlib: two at a time keep both cores busy without piling up memory.
  return [...(await mapConcurrent(largeTasks, 2)), ...(await mapConcurrent(smallTasks, concurrency))];
}

/** Writes a manifest as JSON; refuses paths inside `<root>/data`, which holds archive files only. */
export async function writeManifest(manifest: ReplicaManifest, path: string): Promise<void> {
  const target = resolve(path);
  const data = join(manifest.root, "data");
  if (target === data || target.startsWith(data + sep)) {
    throw invalid(
      `Refusing to write the replica manifest inside ${data}: that tree holds archive files only; choose another path`,
    );
  }
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(manifest, null, 2)}\n`);
}
