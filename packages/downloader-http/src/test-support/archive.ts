// Test fixture: a small archive tree on disk (real key layout) served by a real versitygw.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ArchiveFile } from "@crypto-lakehouse/core";
import { startVersitygw } from "@crypto-lakehouse/testkit";

export const BUCKET = "data.binance.vision";
export const PRIVATE_BUCKET = "private-bucket";
export const KLINES_1M = "data/spot/daily/klines/BTCUSDT/1m/";
export const PAGE_PREFIX = "data/spot/daily/klines/PAGEUSDT/1m/";
export const PAGE_COUNT = 1100;
/** Days with a zip; 2025-07-04 has no CHECKSUM; 2025-07-06 has nothing at all. */
export const DAYS = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-04", "2025-07-05"];
export const NO_CHECKSUM_DAY = "2025-07-04";
export const MISSING_DAY = "2025-07-06";

export function klineFile(symbol: string, interval: string, day: string): ArchiveFile {
  return {
    market: "spot",
    partition: "daily",
    dataType: "klines",
    symbol,
    interval,
    period: day,
    key: `data/spot/daily/klines/${symbol}/${interval}/${symbol}-${interval}-${day}.zip`,
  };
}

export function pageFile(i: number): ArchiveFile {
  const name = `PAGEUSDT-1m-${String(i).padStart(4, "0")}`;
  return { ...klineFile("PAGEUSDT", "1m", "2025-07-01"), period: name, key: `${PAGE_PREFIX}${name}.zip` };
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
export const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

export interface ArchiveServer {
  endpoint: string;
  root: string;
  /** Bytes of every object written, by key. */
  objects: Map<string, Buffer>;
  stop(): Promise<void>;
}

async function put(root: string, bucket: string, key: string, body: Buffer, objects: Map<string, Buffer>) {
  const path = join(root, bucket, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  if (bucket === BUCKET) objects.set(key, body);
}

export async function startArchiveServer(): Promise<ArchiveServer> {
  const base = await mkdtemp(join(tmpdir(), "dl-sdk-archive-"));
  const root = join(base, "root");
  const objects = new Map<string, Buffer>();
  for (const [i, day] of DAYS.entries()) {
    const f = klineFile("BTCUSDT", "1m", day);
    // The first zip spans several socket reads and write-buffer flushes.
    const body = randomBytes(i === 0 ? 3 * 1024 * 1024 + 123 : 10_000 + i * 7_001);
    await put(root, BUCKET, f.key, body, objects);
    if (day !== NO_CHECKSUM_DAY) {
      // Spot CHECKSUMs have no trailing newline.
      const text = `${sha256(body)}  ${f.key.split("/").pop()}`;
      await put(root, BUCKET, `${f.key}.CHECKSUM`, Buffer.from(text), objects);
    }
  }
  const hourly = klineFile("BTCUSDT", "1h", "2025-07-01");
  const hourlyBody = randomBytes(2048);
  await put(root, BUCKET, hourly.key, hourlyBody, objects);
  await put(root, BUCKET, `${hourly.key}.CHECKSUM`, Buffer.from(`${sha256(hourlyBody)}  x.zip`), objects);
  for (let i = 0; i < PAGE_COUNT; i++)
    await put(root, BUCKET, pageFile(i).key, Buffer.from([i % 256]), objects);
  await put(root, PRIVATE_BUCKET, `${KLINES_1M}BTCUSDT-1m-2025-07-01.zip`, randomBytes(100), objects);

  // versitygw rejects a sidecar dir whose path merely starts with the root's (`<root>.vgw-meta`): keep them apart.
  const gw = await startVersitygw({
    root,
    metaDir: join(base, "meta"),
    buckets: [PRIVATE_BUCKET],
    publicReadBuckets: [BUCKET],
  }).catch(async (e: unknown) => {
    await rm(base, { recursive: true, force: true });
    throw e;
  });
  return {
    endpoint: gw.endpoint,
    root,
    objects,
    async stop() {
      await gw.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
