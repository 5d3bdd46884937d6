// The small archive the downloader contract suite serves with a real versitygw: known bytes, 404s, > 1000 keys.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ArchiveFile } from "@crypto-lakehouse/core";
import { startVersitygw } from "@crypto-lakehouse/replica";

export const CONTRACT_BUCKET = "data.binance.vision";
/** Exists, but only signed requests may read it: anonymous reads answer 403. */
export const CONTRACT_PRIVATE_BUCKET = "private-bucket";
export const SPOT_1M = "data/spot/daily/klines/BTCUSDT/1m/";
/** A folder with more entries than one listing page holds, sub-folders interleaved among the objects. */
export const PAGE_PREFIX = "data/spot/daily/trades/PAGEUSDT/";
export const PAGE_OBJECTS = 1100;
/** Sub-folders that sort between page objects (`…-0500.zip` < `…-0500x/` < `…-0501.zip`), one per page. */
export const PAGE_SUBFOLDERS = [
  `${PAGE_PREFIX}PAGEUSDT-trades-0500x/`,
  `${PAGE_PREFIX}PAGEUSDT-trades-1050x/`,
];
/** Days with a spot zip; the first is 3 MiB (many socket reads); NO_CHECKSUM_DAY has no sidecar. */
export const DAYS = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-04", "2025-07-05"];
export const NO_CHECKSUM_DAY = "2025-07-04";
/** No zip and no CHECKSUM. */
export const MISSING_DAY = "2025-07-06";

export function klineFile(market: "spot" | "futures_um", interval: string, day: string): ArchiveFile {
  const folder = market === "spot" ? "spot" : "futures/um";
  return {
    market,
    partition: "daily",
    dataType: "klines",
    symbol: "BTCUSDT",
    interval,
    period: day,
    key: `data/${folder}/daily/klines/BTCUSDT/${interval}/BTCUSDT-${interval}-${day}.zip`,
  };
}

export function pageFile(i: number): ArchiveFile {
  const day = `2025-07-01`;
  return {
    market: "spot",
    partition: "daily",
    dataType: "trades",
    symbol: "PAGEUSDT",
    period: day,
    key: `${PAGE_PREFIX}PAGEUSDT-trades-${String(i).padStart(4, "0")}.zip`,
  };
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
export const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

export interface ContractArchive {
  endpoint: string;
  /** An endpoint where nothing listens (connection refused). */
  deadEndpoint: string;
  /** Every object of the public bucket, by key. */
  objects: Map<string, Buffer>;
  stop(): Promise<void>;
}

async function put(root: string, bucket: string, key: string, body: Buffer, objects?: Map<string, Buffer>) {
  const path = join(root, bucket, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  objects?.set(key, body);
}

/** Writes the fixture tree and serves it; `stop()` ends the server and removes the files. */
export async function startContractArchive(): Promise<ContractArchive> {
  const base = await mkdtemp(join(tmpdir(), "lakehouse-downloader-contract-"));
  const root = join(base, "root");
  const objects = new Map<string, Buffer>();
  try {
    for (const [i, day] of DAYS.entries()) {
      const f = klineFile("spot", "1m", day);
      const body = randomBytes(i === 0 ? 3 * 1024 * 1024 + 123 : 10_000 + i * 7_001);
      await put(root, CONTRACT_BUCKET, f.key, body, objects);
      // Spot sidecars have no trailing newline (docs/archive.md §4).
      if (day !== NO_CHECKSUM_DAY) {
        const text = `${sha256(body)}  ${f.key.split("/").pop()}`;
        await put(root, CONTRACT_BUCKET, `${f.key}.CHECKSUM`, Buffer.from(text), objects);
      }
    }
    // Same file name as the first spot day, other folder: staged names must not collide. Futures sidecars end in \n.
    const um = klineFile("futures_um", "1m", DAYS[0]!);
    const umBody = randomBytes(20_000);
    await put(root, CONTRACT_BUCKET, um.key, umBody, objects);
    await put(
      root,
      CONTRACT_BUCKET,
      `${um.key}.CHECKSUM`,
      Buffer.from(`${sha256(umBody)}  ${um.key.split("/").pop()}\n`),
      objects,
    );
    const hourly = klineFile("spot", "1h", DAYS[0]!);
    const hourlyBody = randomBytes(2048);
    await put(root, CONTRACT_BUCKET, hourly.key, hourlyBody, objects);
    await put(
      root,
      CONTRACT_BUCKET,
      `${hourly.key}.CHECKSUM`,
      Buffer.from(`${sha256(hourlyBody)}  x.zip`),
      objects,
    );
    for (let i = 0; i < PAGE_OBJECTS; i++) {
      await put(root, CONTRACT_BUCKET, pageFile(i).key, Buffer.from([i % 256]), objects);
    }
    for (const folder of PAGE_SUBFOLDERS)
      await put(root, CONTRACT_BUCKET, `${folder}inner.zip`, Buffer.from("x"), objects);
    await put(root, CONTRACT_PRIVATE_BUCKET, klineFile("spot", "1m", DAYS[1]!).key, randomBytes(100));

    const gw = await startVersitygw({
      root,
      metaDir: join(base, "meta"),
      buckets: [CONTRACT_PRIVATE_BUCKET],
      publicReadBuckets: [CONTRACT_BUCKET],
    });
    return {
      endpoint: gw.endpoint,
      // Port 9 (discard) is closed on test machines: connection refused at once.
      deadEndpoint: "http://127.0.0.1:9",
      objects,
      async stop() {
        await gw.stop();
        await rm(base, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(base, { recursive: true, force: true });
    throw e;
  }
}
