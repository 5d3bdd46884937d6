// Upstream changes, recorded and nothing lost: before a run fetches again a stored file that the archive changed
// (size/ETag), the stored version is kept under `_meta/history/<bronzeKey>/<sha256>.zip` (with its .CHECKSUM and
// record) and an event goes to `_meta/changes/`; once the run has stored the new copy, the event gets its SHA-256.
import { createHash } from "node:crypto";
import type { FileRecord, Logger, RemoteObject, StorageBackend } from "@crypto-lakehouse/core";
import { type ArchiveFile, bronzeKey, CHECKSUM_SUFFIX, META } from "@crypto-lakehouse/core";
import { copyObject } from "./copy.js";
import { readFileRecord } from "./unverified.js";

export const CHANGES_FOLDER = `${META}/changes/`;

/** Where a replaced bronze version is kept. */
export function historyKey(bronze: string, sha256: string): string {
  return `${META}/history/${bronze}/${sha256}.zip`;
}

export interface VersionInfo {
  size?: number;
  etag?: string;
  sha256?: string;
  lastModified?: string;
  /** When this lakehouse stored it, and by which run. */
  storedAt?: string;
  runId?: string;
}

export interface ChangeEvent {
  /** Archive key. */
  key: string;
  bronzeKey: string;
  /** When a run saw the archive's copy differ from the stored one. */
  seenAt: string;
  /** The run that saw it (and fetched the new copy). */
  runId: string;
  reason: string;
  /** `stored` once the new copy is in bronze; `detected` while (or if) it is not. */
  status: "detected" | "stored";
  old: VersionInfo & { history: string };
  new: VersionInfo;
}

const clean = (etag: string | undefined) =>
  etag
    ?.replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1")
    .toLowerCase();

/** The archive's copy differs from what the record says was stored (size, or ETag where both have one). */
export function differsFromRecord(rec: FileRecord, remote: RemoteObject): boolean {
  if (rec.size !== remote.size) return true;
  const a = clean(rec.etag);
  const b = clean(remote.etag);
  return Boolean(a && b && a !== b);
}

function eventKey(e: ChangeEvent): string {
  const stamp = e.seenAt.replace(/[-:]/g, "").replace(/\.(\d+)Z$/, "$1Z");
  const id = createHash("sha256").update(`${e.key}\n${e.old.sha256}`).digest("hex").slice(0, 12);
  return `${CHANGES_FOLDER}${stamp}-${id}.json`;
}

async function putJson(storage: StorageBackend, key: string, v: unknown): Promise<void> {
  await storage.put(key, { data: JSON.stringify(v, null, 2) }, { contentType: "application/json" });
}

/** Keeps the stored versions of changed files and records the changes, for one run. */
export class ChangeRecorder {
  private readonly events: { key: string; event: ChangeEvent }[] = [];

  constructor(
    private readonly storage: StorageBackend,
    private readonly runId: string,
    private readonly logger: Logger,
  ) {}

  get count(): number {
    return this.events.length;
  }

  /**
   * Before `f` is fetched again: when its stored version differs from the archive's `remote` (or `force`, when the
   * resume check already established it), copies it to `_meta/history/` and writes the event.
   */
  async preserve(f: ArchiveFile, remote: RemoteObject | undefined, reason: string, force = false) {
    const bronze = bronzeKey(f);
    const rec = await readFileRecord(this.storage, bronze);
    if (!rec || !remote || !(force || differsFromRecord(rec, remote))) return;
    const history = historyKey(bronze, rec.sha256);
    if (!(await this.storage.head(history))) {
      // The zip last: its presence says the version is kept whole.
      const sum = await this.storage.read(bronze + CHECKSUM_SUFFIX);
      if (sum) await this.storage.put(history + CHECKSUM_SUFFIX, { data: sum });
      await putJson(this.storage, `${history}.json`, rec);
      await copyObject(this.storage, bronze, history);
    }
    const event: ChangeEvent = {
      key: f.key,
      bronzeKey: bronze,
      seenAt: new Date().toISOString(),
      runId: this.runId,
      reason,
      status: "detected",
      old: {
        size: rec.size,
        sha256: rec.sha256,
        ...(rec.etag ? { etag: clean(rec.etag) } : {}),
        ...(rec.lastModified ? { lastModified: rec.lastModified } : {}),
        storedAt: rec.storedAt,
        runId: rec.runId,
        history,
      },
      new: {
        size: remote.size,
        ...(remote.etag ? { etag: clean(remote.etag) } : {}),
        ...(remote.lastModified ? { lastModified: remote.lastModified.toISOString() } : {}),
      },
    };
    const key = eventKey(event);
    await putJson(this.storage, key, event);
    this.events.push({ key, event });
    this.logger.info("changed in the archive; the stored version is kept", { key: f.key, history });
  }

  /** After the run: each event whose new copy is stored gets its SHA-256 and `status: stored`. */
  async finish(): Promise<void> {
    for (const { key, event } of this.events) {
      try {
        const rec = await readFileRecord(this.storage, event.bronzeKey);
        if (!rec || rec.sha256 === event.old.sha256) continue;
        const stored: ChangeEvent = {
          ...event,
          status: "stored",
          new: {
            ...event.new,
            size: rec.size,
            sha256: rec.sha256,
            ...(rec.etag ? { etag: clean(rec.etag) } : {}),
            storedAt: rec.storedAt,
            runId: rec.runId,
          },
        };
        await putJson(this.storage, key, stored);
      } catch (e) {
        this.logger.warn("could not complete a change event", { key, error: (e as Error).message });
      }
    }
  }
}

/** The recorded changes, oldest first; `since` (`YYYY-MM-DD` or an ISO time) keeps those seen from then on. */
export async function listChanges(storage: StorageBackend, since?: string): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for await (const o of storage.list(CHANGES_FOLDER)) {
    if (!o.key.endsWith(".json")) continue;
    const data = await storage.read(o.key);
    if (!data) continue;
    try {
      const e = JSON.parse(data.toString("utf8")) as ChangeEvent;
      if (typeof e?.key !== "string" || typeof e.seenAt !== "string") continue;
      if (!since || e.seenAt >= since) out.push(e);
    } catch {
      // An unreadable event is skipped; the others still show.
    }
  }
  return out.sort((a, b) => a.seenAt.localeCompare(b.seenAt) || a.key.localeCompare(b.key));
}
