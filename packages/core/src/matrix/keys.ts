// Archive key rules derived from a market's matrix data, so a data type added by a matrix file needs no code.
import type { ArchiveFile, MarketId, Partition } from "../model/types.js";
import type { MarketMatrix } from "./schema.js";

const DAILY = /^\d{4}-\d{2}-\d{2}$/;
const MONTHLY = /^\d{4}-\d{2}$/;

export type FileRef = Omit<ArchiveFile, "key">;

export interface KeyRules {
  /** The archive key of a file: `data/<archivePath>/<partition>/<dataType>/<SYMBOL>/[<interval>/]<file>.zip`. */
  fileKey(f: FileRef): string;
  /** The inverse of `fileKey`; `undefined` for anything `fileKey` could not have produced. */
  parseKey(key: string): ArchiveFile | undefined;
  /** Folder listing a symbol's files: `data/.../<SYMBOL>/[<interval>/]`. */
  symbolPrefix(partition: Partition, dataType: string, symbol: string, interval?: string): string;
  /** Folder whose common prefixes are the symbols: `data/<archivePath>/<partition>/<dataType>/`. */
  dataTypePrefix(partition: Partition, dataType: string): string;
}

export function periodPattern(partition: Partition): RegExp {
  return partition === "daily" ? DAILY : MONTHLY;
}

export function createKeyRules(
  market: MarketId,
  matrix: Pick<MarketMatrix, "archivePath" | "dataTypes">,
): KeyRules {
  const root = `data/${matrix.archivePath}/`;
  const dataTypePrefix = (partition: Partition, dataType: string) => `${root}${partition}/${dataType}/`;
  const symbolPrefix = (partition: Partition, dataType: string, symbol: string, interval?: string) =>
    `${dataTypePrefix(partition, dataType)}${symbol}/${interval ? `${interval}/` : ""}`;

  const fileKey = (f: FileRef): string => {
    const spec = matrix.dataTypes[f.dataType];
    const withInterval = spec ? spec.keyShape === "interval" : f.interval !== undefined;
    if (withInterval) {
      if (!f.interval) throw new Error(`${market}/${f.dataType}: an interval is required`);
      return `${symbolPrefix(f.partition, f.dataType, f.symbol, f.interval)}${f.symbol}-${f.interval}-${f.period}.zip`;
    }
    return `${symbolPrefix(f.partition, f.dataType, f.symbol)}${f.symbol}-${f.dataType}-${f.period}.zip`;
  };

  const parseKey = (key: string): ArchiveFile | undefined => {
    if (!key.startsWith(root) || !key.endsWith(".zip")) return undefined;
    const parts = key.slice(root.length).split("/");
    const [partition, dataType, symbol] = parts;
    if (partition !== "daily" && partition !== "monthly") return undefined;
    if (!dataType || !symbol) return undefined;
    const spec = matrix.dataTypes[dataType];
    if (!spec) return undefined;
    const period = periodPattern(partition);
    let file: ArchiveFile;
    if (spec.keyShape === "interval") {
      if (parts.length !== 5) return undefined;
      const interval = parts[3]!;
      const name = parts[4]!;
      const head = `${symbol}-${interval}-`;
      if (!name.startsWith(head)) return undefined;
      const p = name.slice(head.length, -4);
      if (!period.test(p)) return undefined;
      file = { market, partition, dataType, symbol, interval, period: p, key };
    } else {
      if (parts.length !== 4) return undefined;
      const name = parts[3]!;
      const head = `${symbol}-${dataType}-`;
      if (!name.startsWith(head)) return undefined;
      const p = name.slice(head.length, -4);
      if (!period.test(p)) return undefined;
      file = { market, partition, dataType, symbol, period: p, key };
    }
    return fileKey(file) === key ? file : undefined;
  };

  return { fileKey, parseKey, symbolPrefix, dataTypePrefix };
}
