// What silver already holds, per table and symbol (`_meta/silver/state/...`): which bronze bytes each part came
// from, so a build converts only new or changed files, and the quality report of each converted file.
import { type FileRecord, fileRecordKey, LakehouseError, type StorageBackend } from "@crypto-lakehouse/core";
import { silverStateKey } from "./layout.js";
import type { BronzeSource, FileReport } from "./types.js";

/** Bumped whenever conversion output changes: every file is converted again after an upgrade. */
export const SILVER_FORMAT = 2;

export interface FileState {
  partition: "daily" | "monthly";
  period: string;
  interval?: string;
  /** Fingerprint of the bronze zip when it was converted. */
  size: number;
  lastModified?: string;
  etag?: string;
  sha256?: string;
  status: "converted" | "superseded";
  /** The monthly file that replaces this daily one in silver. */
  supersededBy?: string;
  format: number;
  runId: string;
  at: string;
  report?: FileReport;
}

export interface SymbolState {
  version: 1;
  market: string;
  dataType: string;
  symbol: string;
  files: Record<string, FileState>;
}

export function emptyState(market: string, dataType: string, symbol: string): SymbolState {
  return { version: 1, market, dataType, symbol, files: {} };
}

export async function readState(
  storage: StorageBackend,
  market: string,
  dataType: string,
  symbol: string,
): Promise<SymbolState> {
  const key = silverStateKey(market, dataType, symbol);
  const buf = await storage.read(key);
  if (!buf) return emptyState(market, dataType, symbol);
  try {
    const s = JSON.parse(buf.toString("utf8")) as SymbolState;
    if (s.version !== 1 || typeof s.files !== "object") throw new Error("unknown version");
    return s;
  } catch (e) {
    throw new LakehouseError(
      "STORAGE_FAILED",
      `Silver state ${key} in ${storage.location} is unreadable: ${(e as Error).message}`,
      {
        cause: e,
        details: ["Delete it to convert this symbol's files again from bronze."],
      },
    );
  }
}

export async function writeState(storage: StorageBackend, s: SymbolState): Promise<void> {
  await storage.put(
    silverStateKey(s.market, s.dataType, s.symbol),
    { data: JSON.stringify(s) },
    { contentType: "application/json" },
  );
}

/** The bronze file's sha256 from its collect record (`_meta/files/...`), when there is one. */
export async function bronzeSha256(storage: StorageBackend, bronzeKey: string): Promise<string | undefined> {
  const buf = await storage.read(fileRecordKey(bronzeKey));
  if (!buf) return undefined;
  try {
    return (JSON.parse(buf.toString("utf8")) as FileRecord).sha256;
  } catch {
    return undefined;
  }
}

/** Same bytes as when converted, judged from the listing alone (ETag where the store has one, else mtime). */
export function sameListing(s: FileState, src: BronzeSource): boolean {
  if (s.size !== src.size) return false;
  if (s.etag && src.etag) return s.etag === src.etag;
  return s.lastModified !== undefined && s.lastModified === src.lastModified;
}
