// One zip → one Parquet file: exact decimals past the first chunk, one read for symbol checks and de-duplication,
// corrupt zips, empty files and first lines that are neither header nor data.
import { createHash } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zipOf as zipMember } from "../../engine/src/pipeline/zip.test-util.js";
import { ConversionError, convertChunk, convertCsv, extractZip, planFile } from "./convert.js";
import { type Duck, openDuck } from "./duck.js";
import { DEFAULT_MARKETS } from "./markets.js";
import { tempDir, zipOf } from "./replica.test-util.js";
import { type SilverTableSchema, silverSchema } from "./schema.js";

const market = (id: string) => DEFAULT_MARKETS.find((m) => m.id === id)!;
const trades = silverSchema(market("spot"), "trades");
const metrics = silverSchema(market("futures_um"), "metrics");

let dir: string;
let duck: Duck;
let n = 0;

beforeAll(async () => {
  dir = await tempDir("convert");
  duck = await openDuck();
});

afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse("2024-12-29T00:00:00Z");
/** Spot trades rows (id, price, qty, quote_qty, time in ms, is_buyer_maker, is_best_match); `at` overrides price, qty. */
function tradeRows(count: number, at: Record<number, [string, string]> = {}): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const [price, qty] = at[i] ?? [(1 + (i % 997) / 1000).toFixed(8), `${(i % 89) + 0.12345678}`];
    lines.push(`${1000 + i},${price},${qty},1.50000000,${T0 + i * 10},True,True`);
  }
  return `${lines.join("\n")}\n`;
}

async function convert(zip: Buffer, schema: SilverTableSchema = trades, symbol = "BTCUSDT") {
  const zipPath = join(dir, `${n++}.zip`);
  await writeFile(zipPath, zip);
  const csv = await extractZip(zipPath, join(dir, `${n++}.csv`), schema, { symbol });
  const out = join(dir, `${n++}.parquet`);
  const r = await convertCsv(duck, schema, csv, out, {
    compression: "snappy",
    now: new Date("2026-01-01T00:00:00Z"),
  });
  return { r, out };
}

describe("extractZip + convertCsv", () => {
  it("keeps a 9-decimal and an 11-digit value exact far past the first chunk (its columns take the exact path)", async () => {
    const rows = 60_000;
    const text = tradeRows(rows, { [rows - 5]: ["1.123456789", "12345678901.5"] });
    expect(text.length).toBeGreaterThan(3 * 2 ** 20);
    const { r } = await convert(zipOf("BTCUSDT-trades-2024-12-29.csv", text));
    const out = r.parquetPath!;
    expect(r).toMatchObject({ csvRows: rows, rows, duplicatesDropped: 0, header: false, timeUnit: "ms" });
    const got = await duck.rows<{ id: string; price: string; qty: string }>(
      `SELECT id::VARCHAR AS id, price::VARCHAR AS price, qty::VARCHAR AS qty FROM read_parquet('${out}') ` +
        `WHERE id IN (1000, ${1000 + rows - 5}) ORDER BY id`,
    );
    expect(got).toEqual([
      { id: "1000", price: "1.000000000000000000", qty: "0.123456780000000000" },
      { id: String(1000 + rows - 5), price: "1.123456789000000000", qty: "12345678901.500000000000000000" },
    ]);
  });

  it("reads a file with a symbol column once: counts, checks the symbol and drops exact repeats", async () => {
    const header = metrics.csv.columns.map((c) => c.name).join(",");
    const row = (sym: string, i: number) =>
      `2021-01-01 00:${String(i * 5).padStart(2, "0")}:00,${sym},1.5,2.5,1.1,1.2,1.3,1.4`;
    const mixed = `${header}\n${[0, 1, 2, 3].map((i) => row(i < 2 ? "BTCUSDT" : "ETHUSDT", i)).join("\n")}\n`;
    const zip = zipOf("BTCUSDT-metrics-2021-01-01.csv", mixed);
    await expect(convert(zip, metrics)).rejects.toThrow(
      new ConversionError("2 rows name symbol ETHUSDT in the symbol column, not the file's BTCUSDT"),
    );
    const good = `${header}\n${row("BTCUSDT", 0)}\n${row("BTCUSDT", 0)}\n${row("BTCUSDT", 1)}\n`;
    const { r } = await convert(zipOf("BTCUSDT-metrics-2021-01-01.csv", good), metrics);
    expect(r).toMatchObject({
      csvRows: 3,
      rows: 2,
      duplicatesDropped: 1,
      header: true,
      timeUnit: "text",
      timeMin: "2021-01-01T00:00:00.000000Z",
      timeMax: "2021-01-01T00:05:00.000000Z",
    });
  });

  it("fails a zip whose bytes do not match its CRC", async () => {
    const zip = zipOf("BTCUSDT-trades-2024-12-29.csv", tradeRows(1000));
    // The CRC-32 in the local header (offset 14) and in the central directory (its offset + 16).
    const cd = zip.readUInt32LE(zip.length - 22 + 16);
    zip.writeUInt32LE((zip.readUInt32LE(14) ^ 1) >>> 0, 14);
    zip.writeUInt32LE((zip.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    await expect(convert(zip)).rejects.toThrow(/CRC-32 mismatch \(corrupt zip\)/);
  });

  it("writes nothing for an empty file, and explains a first line that is neither header nor data", async () => {
    const { r } = await convert(zipOf("BTCUSDT-trades-2024-12-29.csv", ""));
    expect(r).toMatchObject({ rows: 0, csvRows: 0, written: false, notes: ["empty file"] });
    await expect(convert(zipOf("x.csv", "what,is,this\n1,2,3\n"))).rejects.toThrow(
      /the first line has 3 fields/,
    );
  });

  it("hashes a large zip (read in ranges, not whole) in the same read as its extraction, when asked", async () => {
    const text = tradeRows(90_000);
    const zip = zipMember("BTCUSDT-trades-2024-12-29.csv", Buffer.from(text), { stored: true });
    expect(zip.length).toBeGreaterThan(4 * 2 ** 20);
    const zipPath = join(dir, `${n++}.zip`);
    await writeFile(zipPath, zip);
    const part = { symbol: "BTCUSDT", size: zip.length };
    const hashed = await extractZip(zipPath, join(dir, `${n++}.csv`), trades, part, true);
    expect(hashed.zipSha256).toBe(createHash("sha256").update(zip).digest("hex"));
    expect(hashed.csvBytes).toBe(text.length);
    const plain = await extractZip(zipPath, join(dir, `${n++}.csv`), trades, part);
    expect(plain.zipSha256).toBeUndefined();
    const r = await convertCsv(duck, trades, hashed, join(dir, `${n++}`), {
      compression: "snappy",
      now: new Date("2026-01-01T00:00:00Z"),
    });
    expect(r).toMatchObject({ csvRows: 90_000, rows: 90_000 });
  });

  it("converts many files in one statement, one part per file with its lineage; a bad file fails alone", async () => {
    const texts = [
      tradeRows(300),
      tradeRows(300, { 7: ["abc", "1"] }), // not a number: DuckDB refuses the whole statement
      tradeRows(200),
      tradeRows(100)
        .replaceAll(`${T0}`, `${T0 * 1000}`)
        .replace(/,(\d{13}),True/g, ",$1000000,True"), // 1e19 µs
    ];
    const files = [];
    for (const [i, text] of texts.entries()) {
      const zipPath = join(dir, `${n++}.zip`);
      await writeFile(zipPath, zipOf(`BTCUSDT-trades-2024-12-2${i}.csv`, text));
      const csv = await extractZip(zipPath, join(dir, `${n++}.csv`), trades, { symbol: "BTCUSDT" });
      files.push(planFile(trades, csv, { bronzeKey: `bronze/k${i}.zip`, sha256: `sha${i}` }));
    }
    const out = await convertChunk(duck, trades, files, join(dir, `${n++}`), {
      compression: "snappy",
      now: new Date("2026-01-01T00:00:00Z"),
    });
    expect(out.map((o) => ("ok" in o ? o.ok.rows : "error"))).toEqual([300, "error", 200, "error"]);
    expect(out[1]).toMatchObject({ error: expect.stringMatching(/abc/) });
    expect(out[3]).toMatchObject({ error: expect.stringMatching(/do not fit the detected time unit/) });
    for (const i of [0, 2]) {
      const part = (out[i] as { ok: { parquetPath: string } }).ok.parquetPath;
      const rows = await duck.rows<{ k: string; s: string; n: string }>(
        `SELECT source_key AS k, source_sha256 AS s, count(*) AS n FROM read_parquet('${part}') GROUP BY ALL`,
      );
      expect(rows).toEqual([{ k: `bronze/k${i}.zip`, s: `sha${i}`, n: i === 0 ? "300" : "200" }]);
    }
  });
});
