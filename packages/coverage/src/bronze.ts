// What bronze holds for one folder and what the last attempts to collect files ended with, read from listings
// and run summaries (never one request per stored file).
import { CHECKSUM_SUFFIX, fileRecordFolder, META, type StorageBackend } from "@crypto-lakehouse/core";
import { listRunSummaries } from "@crypto-lakehouse/engine";

export interface StoredZip {
  size: number;
  /** A `.CHECKSUM` is stored beside the zip: collect stores it exactly when it verified the zip against it. */
  checksum: boolean;
  /** Its record exists (written last: a zip without one is an interrupted store). */
  record: boolean;
}

/** The zips of one bronze folder (`bronze/…/<SYMBOL>/[<interval>/]`), from its listing and its records' listing. */
export async function storedFolder(storage: StorageBackend, folder: string): Promise<Map<string, StoredZip>> {
  const out = new Map<string, StoredZip>();
  const sums = new Set<string>();
  for await (const o of storage.list(folder)) {
    const rest = o.key.slice(folder.length);
    if (rest.includes("/")) continue;
    if (rest.endsWith(".zip")) out.set(rest, { size: o.size, checksum: false, record: false });
    else if (rest.endsWith(`.zip${CHECKSUM_SUFFIX}`)) sums.add(rest.slice(0, -CHECKSUM_SUFFIX.length));
  }
  if (out.size === 0) return out;
  for (const name of sums) {
    const z = out.get(name);
    if (z) z.checksum = true;
  }
  const recFolder = fileRecordFolder(folder);
  for await (const o of storage.list(recFolder)) {
    const rest = o.key.slice(recFolder.length);
    if (rest.includes("/") || !rest.endsWith(".zip.json")) continue;
    const z = out.get(rest.slice(0, -".json".length));
    if (z) z.record = true;
  }
  return out;
}

export interface Attempt {
  /** The run's outcome for the file: `failed`, `checksum_mismatch`, `missing`, `pending`. */
  outcome: string;
  reason: string;
  runId: string;
  at: string;
}

/** The last unsuccessful attempt per archive key, from the run summaries and `_meta/quarantine/`. */
export async function lastAttempts(storage: StorageBackend): Promise<Map<string, Attempt>> {
  const runs = await listRunSummaries(storage, { onError: () => undefined });
  const out = new Map<string, Attempt>();
  // Oldest first, so a later run's outcome replaces an earlier one's.
  for (const r of [...runs].reverse()) {
    for (const f of r.failures ?? []) {
      out.set(f.key, { outcome: f.outcome, reason: f.reason, runId: r.runId, at: r.startedAt });
    }
  }
  // Quarantined files of runs without a summary (a killed submitter; a worker still wrote the evidence).
  const known = new Set(runs.map((r) => r.runId));
  const folder = `${META}/quarantine/`;
  for await (const o of storage.list(folder)) {
    if (!o.key.endsWith(".reason.json")) continue;
    const runId = o.key.slice(folder.length).split("/")[0]!;
    if (known.has(runId)) continue;
    try {
      const v = JSON.parse((await storage.read(o.key))?.toString("utf8") ?? "null") as {
        key?: string;
        reason?: string;
      } | null;
      if (!v?.key) continue;
      const at = o.lastModified?.toISOString() ?? "";
      const prev = out.get(v.key);
      if (!prev || prev.at <= at) {
        out.set(v.key, { outcome: "checksum_mismatch", reason: v.reason ?? "quarantined", runId, at });
      }
    } catch {
      // An unreadable reason file says nothing reliable: the run summaries stand.
    }
  }
  return out;
}
