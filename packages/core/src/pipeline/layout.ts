// Where things live in the lakehouse (DESIGN.md §4), for every storage backend.
import type { ArchiveFile } from "../model/types.js";

export function basename(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** `bronze/<market>/<dataType>/<partition>/<SYMBOL>/[<interval>/]<file>.zip` */
export function bronzeKey(f: ArchiveFile): string {
  return `${bronzeFolder(f.market, f.dataType, f.partition, f.symbol, f.interval)}${basename(f.key)}`;
}

export function bronzeFolder(
  market: string,
  dataType: string,
  partition: string,
  symbol: string,
  interval?: string,
): string {
  return `bronze/${market}/${dataType}/${partition}/${symbol}/${interval ? `${interval}/` : ""}`;
}

export const META = "_meta";

/** The record of a stored, verified file. */
export function fileRecordKey(bronze: string): string {
  return `${META}/files/${bronze}.json`;
}

export function fileRecordFolder(bronzeFolderKey: string): string {
  return `${META}/files/${bronzeFolderKey}`;
}

export function runSummaryKey(runId: string): string {
  return `${META}/runs/${runId}.json`;
}

export function quarantineKey(runId: string, bronze: string): string {
  return `${META}/quarantine/${runId}/${bronze}`;
}

export function stagingKey(runId: string): string {
  return `${META}/staging/${runId}`;
}
