// Test helper: a generated archive replica (every quirk on) laid out as a lakehouse's bronze tree.
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { basename, bronzeFolder, type FileRecord, fileRecordKey, silentLogger } from "@crypto-lakehouse/core";
import { createLocalStorage, type LocalStorageBackend } from "@crypto-lakehouse/storage-local";
import { generateReplica, type ReplicaFile, type ReplicaOptions } from "@crypto-lakehouse/testkit";
// Core's hand-written zip builder (a test helper, so not part of core's published surface).
import { zipOf as zipBytes } from "../../engine/src/pipeline/zip.test-util.js";

export interface ReplicaLake {
  dir: string;
  storage: LocalStorageBackend;
  files: ReplicaFile[];
  cleanup(): Promise<void>;
}

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `silver-${label}-`));
}

/** The bronze key a collect run gives an archive file. */
export function bronzeKeyOf(
  f: Pick<ReplicaFile, "market" | "dataType" | "partition" | "symbol" | "interval" | "key">,
): string {
  return `${bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval)}${basename(f.key)}`;
}

/** The `_meta/files/` record collect writes for a stored zip. */
export async function writeRecord(storage: LocalStorageBackend, f: ReplicaFile): Promise<void> {
  const bronzeKey = bronzeKeyOf(f);
  const record: FileRecord = {
    key: f.key,
    bronzeKey,
    sha256: f.sha256,
    size: f.size,
    verified: true,
    runId: "replica",
    storedAt: new Date().toISOString(),
  };
  await storage.put(fileRecordKey(bronzeKey), { data: JSON.stringify(record) });
}

/** Generates replicas (one per option set, into one bucket dir each) and copies their zips into `<dir>/lake/bronze/`. */
/** Replica selections carrying the archive's quirks (docs/archive.md §6), shared by the silver tests. */
export const QUIRKS = {
  /** Spot switched from ms to µs on 2025-01-01. */
  spotKlinesUnitSwitch: {
    markets: ["spot"],
    dataTypes: ["klines"],
    symbols: { spot: ["BTCUSDT"] },
    intervals: ["1h"],
    partitions: ["daily"],
    start: "2024-12-31",
    end: "2025-01-01",
  },
  /** Futures files gained header rows on 2022-08-11: one without and one with, in one table. */
  futuresHeaderSwitch: {
    markets: ["futures_um"],
    dataTypes: ["klines"],
    symbols: { futures_um: ["BTCUSDT"] },
    intervals: ["4h"],
    partitions: ["daily"],
    start: "2022-08-10",
    end: "2022-08-11",
  },
  /** Text datetimes in metrics and bookDepth; duplicated metrics rows (2020-09 … 2021-05). */
  textTimesAndDuplicates: {
    markets: ["futures_um"],
    dataTypes: ["metrics", "bookDepth"],
    symbols: { futures_um: ["BTCUSDT"] },
    partitions: ["daily"],
    start: "2021-01-01",
    end: "2021-01-01",
    rowsPerFile: 60,
  },
  /** Every liquidation event twice. */
  liquidationsTwice: {
    markets: ["futures_cm"],
    dataTypes: ["liquidationSnapshot"],
    symbols: { futures_cm: ["BTCUSD_PERP"] },
    partitions: ["daily"],
    start: "2024-01-01",
    end: "2024-01-01",
  },
  /** 1mo quote volumes with 20 significant digits, and a hole at 2024-02. */
  monthlyKlines: {
    markets: ["spot"],
    dataTypes: ["klines"],
    symbols: { spot: ["BTCUSDT"] },
    intervals: ["1mo"],
    partitions: ["monthly"],
    start: "2024-01-01",
    end: "2024-03-31",
  },
  /** fundingRate is published monthly only. */
  monthlyFundingRate: {
    markets: ["futures_um"],
    dataTypes: ["fundingRate"],
    symbols: { futures_um: ["BTCUSDT"] },
    partitions: ["monthly"],
    start: "2024-01-01",
    end: "2024-01-31",
  },
} satisfies Record<string, Omit<ReplicaOptions, "outDir">>;

export async function replicaLake(sets: Omit<ReplicaOptions, "outDir">[]): Promise<ReplicaLake> {
  const dir = await tempDir("lake");
  const storage = createLocalStorage({ root: join(dir, "lake") }, { logger: silentLogger });
  const files: ReplicaFile[] = [];
  for (const [i, set] of sets.entries()) {
    const outDir = join(dir, `replica-${i}`);
    const manifest = await generateReplica({ ...set, outDir });
    for (const f of manifest.files) {
      const target = storage.localPath(bronzeKeyOf(f));
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(outDir, ...f.key.split("/")), target);
      await writeRecord(storage, f);
      files.push(f);
    }
  }
  return { dir, storage, files, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A one-member zip (deflated), as the archive writes them; for hand-made bad or changed files. */
export function zipOf(member: string, text: string): Buffer {
  return zipBytes(member, Buffer.from(text, "utf8"));
}

/** The CSV text inside a bronze zip. */
export async function csvOf(storage: LocalStorageBackend, bronzeKey: string): Promise<string> {
  const zip = await readFile(storage.localPath(bronzeKey));
  const cdOffset = zip.readUInt32LE(zip.length - 22 + 16);
  const localOffset = zip.readUInt32LE(cdOffset + 42);
  const method = zip.readUInt16LE(cdOffset + 10);
  const size = zip.readUInt32LE(cdOffset + 20);
  const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
  const body = zip.subarray(start, start + size);
  return (method === 8 ? inflateRawSync(body) : body).toString("utf8");
}
