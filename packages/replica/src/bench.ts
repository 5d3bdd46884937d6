// Synthetic benchmark files (spot trades of BENCH…/SMALL… symbols) whose zips have a requested size, streamed.
import { Readable } from "node:stream";
import { deflateRawSync } from "node:zlib";
import { DAY_MS, dateMs } from "./calendar.js";
import { createRng, type Rng } from "./prng.js";

/** Deflate level of benchmark zips: fast, and still a real deflated member. */
export const BENCH_LEVEL = 1;

// Bytes a one-member zip adds around its compressed data (headers, data descriptor, central directory, end record).
const ZIP_OVERHEAD = 30 + 16 + 46 + 22;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

// Distinct price/qty/quote cells a file draws from. Deflate only looks back 32 KiB (about 500 rows), so drawing
// from this many keeps the file as incompressible as fresh random digits while costing far less to produce.
const POOL_SIZE = 1 << 16;

/**
 * Spot trade rows with many random digits, so deflate cannot shrink them much and a target zip size needs
 * little CSV: `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match`. Ids and times increase row by row;
 * the price/qty/quote cells come from a seeded pool of exact, consistent triples around 1.2345.
 */
class TradeRowSource {
  private id: number;
  private t: number;
  private readonly end: number;
  /** Pool cells, back to back, with their offsets (entry i is bytes offsets[i] … offsets[i + 1]). */
  private readonly pool: Buffer;
  private readonly offsets: Uint32Array;
  /** Rows produced so far. */
  rows = 0;

  constructor(
    private readonly rng: Rng,
    startMs: number,
    private readonly unit: "ms" | "us",
    private readonly stepMs: number,
    poolSeed: number | string,
  ) {
    this.id = 1_000_000 + rng.int(1_000_000);
    this.t = startMs;
    this.end = startMs + DAY_MS - 1;
    ({ bytes: this.pool, offsets: this.offsets } = cellPool(poolSeed));
  }

  /** About `bytes` of CSV (whole rows only, so it may run one row over), written straight into a Buffer. */
  chunk(bytes: number): Buffer {
    const { rng, pool, offsets } = this;
    const buf = Buffer.allocUnsafe(bytes + 128);
    let at = 0;
    while (at < bytes) {
      this.t = Math.min(this.end, this.t + rng.next() * 2 * this.stepMs);
      at = writeInt(buf, at, this.id++);
      // Short copies: a byte loop beats Buffer#copy's native call.
      const k = rng.int(POOL_SIZE);
      for (let i = offsets[k]!, e = offsets[k + 1]!; i < e; i++) buf[at++] = pool[i]!;
      // µs times come from the same running clock, so they never step back within a millisecond.
      at = writeInt(buf, at, Math.floor(this.unit === "us" ? this.t * 1000 : this.t));
      const tail = rng.next() < 0.5 ? TRUE_TAIL : FALSE_TAIL;
      for (let i = 0; i < tail.length; i++) buf[at++] = tail[i]!;
      this.rows++;
    }
    return buf.subarray(0, at);
  }
}

const pools = new Map<string, { bytes: Buffer; offsets: Uint32Array }>();

/** The seeded pool of exact `,price,qty,quote_qty,` cells, built once per seed and shared by every file. */
function cellPool(seed: number | string): { bytes: Buffer; offsets: Uint32Array } {
  const hit = pools.get(String(seed));
  if (hit) return hit;
  const rng = createRng("bench-pool", seed);
  const cells: string[] = [];
  const offsets = new Uint32Array(POOL_SIZE + 1);
  let at = 0;
  for (let i = 0; i < POOL_SIZE; i++) {
    const price = 12_000 + rng.int(700); // 1e-4 units: 1.2000 … 1.2699
    const qty = 1 + rng.int(99_999_999); // 1e-8 units, below 1.0
    const quote = Math.floor((price * qty) / 10_000); // 1e-4 × 1e-8 = 1e-12 → 1e-8
    const cell = `,${Math.floor(price / 10_000)}.${pad(price % 10_000, 4)}0000,0.${pad(qty, 8)},${Math.floor(quote / 1e8)}.${pad(quote % 1e8, 8)},`;
    cells.push(cell);
    offsets[i] = at;
    at += cell.length;
  }
  offsets[POOL_SIZE] = at;
  const pool = { bytes: Buffer.from(cells.join(""), "latin1"), offsets };
  pools.set(String(seed), pool);
  return pool;
}

const TRUE_TAIL = Buffer.from(",True,True\n", "latin1");
const FALSE_TAIL = Buffer.from(",False,True\n", "latin1");
const POW10 = Array.from({ length: 17 }, (_, i) => 10 ** i);

/** Writes a non-negative safe integer's decimal digits at `at`; returns the offset after them. */
function writeInt(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  while (digits < 16 && n >= POW10[digits]!) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

export interface BenchContent {
  /** Uncompressed CSV bytes to write for the target zip size. */
  csvBytes: number;
  /** Average row length, for spacing the timestamps over the day. */
  rowBytes: number;
}

const calibrations = new Map<string, { ratio: number; rowBytes: number }>();

/** Compression ratio of this content at BENCH_LEVEL, measured once on a seeded sample. */
function calibrate(unit: "ms" | "us"): { ratio: number; rowBytes: number } {
  const hit = calibrations.get(unit);
  if (hit) return hit;
  const src = new TradeRowSource(
    createRng("bench-calibration", unit),
    dateMs("2025-01-01"),
    unit,
    50,
    "calibration",
  );
  const sample = src.chunk(4 << 20);
  const ratio = deflateRawSync(sample, { level: BENCH_LEVEL }).length / sample.length;
  const result = { ratio, rowBytes: sample.length / src.rows };
  calibrations.set(unit, result);
  return result;
}

/** How much CSV gives a zip of `zipBytes` (member name included in the overhead). */
export function benchContent(zipBytes: number, member: string, unit: "ms" | "us"): BenchContent {
  const { ratio, rowBytes } = calibrate(unit);
  const data = Math.max(64, zipBytes - ZIP_OVERHEAD - 2 * Buffer.byteLength(member));
  return { csvBytes: Math.round(data / ratio), rowBytes };
}

/** A stream of trade rows for one benchmark file, ending after `csvBytes`; `rows()` counts what it wrote. */
export function benchStream(
  seed: number,
  key: string,
  day: string,
  unit: "ms" | "us",
  content: BenchContent,
): { stream: Readable; rows: () => number } {
  const rows = Math.max(1, content.csvBytes / content.rowBytes);
  const src = new TradeRowSource(createRng(seed, key), dateMs(day), unit, DAY_MS / rows / 1.05, seed);
  let left = content.csvBytes;
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const chunk = src.chunk(Math.min(left, 1 << 20));
      left -= chunk.length;
      this.push(chunk);
    },
  });
  return { stream, rows: () => src.rows };
}

/** The CSV of a small benchmark file, in memory. */
export function benchBuffer(
  seed: number,
  key: string,
  day: string,
  unit: "ms" | "us",
  content: BenchContent,
): { data: Buffer; rows: number } {
  const rows = Math.max(1, content.csvBytes / content.rowBytes);
  const src = new TradeRowSource(createRng(seed, key), dateMs(day), unit, DAY_MS / rows / 1.05, seed);
  const data = src.chunk(content.csvBytes);
  return { data, rows: src.rows };
}

/** Benchmark symbols: `BENCH0001USDT` for large files, `SMALL0001USDT` for small ones. */
export function benchSymbol(kind: "large" | "small", n: number): string {
  return `${kind === "large" ? "BENCH" : "SMALL"}${pad(n, 4)}USDT`;
}
