// Group commit: one file-system sync makes many puts durable at once, instead of an fsync per file and per folder
// (three of each per collected file were 35–40 % of collect's CPU on small files).
//
// How a grouped put keeps the guarantees of a durable one (see writeGrouped in atomic.ts):
//   1. its content goes to a temp file beside the final name, not synced;
//   2. it waits for a sync that *started after* that write (so the content is on disk);
//   3. only then is the temp renamed to the final name — a final name never holds unsynced content, so after a
//      power loss a key is either absent, its old version, or complete;
//   4. the rename itself is durable with the next sync, which any later grouped put waits for before its own
//      rename. Puts done one after another (zip and .CHECKSUM, then the record) therefore reach the disk in that
//      order: if the record survives a crash, so do the zip and .CHECKSUM it vouches for.
// A SIGKILL loses nothing the page cache holds, so it can only cut a put before its rename (a temp file, removed
// by the next run) or after it (complete). `flush()` (and the run's end) syncs what is left.

/** What changed since the last sync: files whose content must reach the disk, folders whose entries changed. */
export interface SyncWork {
  files: ReadonlySet<string>;
  dirs: ReadonlySet<string>;
}

export type SyncFn = (work: SyncWork) => Promise<void>;

/** A sync function holding resources (a helper process) until `close`. */
export interface Syncer {
  sync: SyncFn;
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Shortest time between the starts of two syncs, so a sync (a process start) serves many files. */
  intervalMs?: number;
  /** Waiting puts that start a sync at once, however recent the last one. */
  maxWaiters?: number;
}

interface Group extends SyncWork {
  files: Set<string>;
  dirs: Set<string>;
  waiters: number;
  urgent: boolean;
  done: Promise<void>;
  settle: (error?: unknown) => void;
}

function newGroup(): Group {
  let settle!: (error?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // Nobody may be waiting on a group made only of touches; its failure resurfaces at the next flush.
  done.catch(() => undefined);
  return { files: new Set(), dirs: new Set(), waiters: 0, urgent: false, done, settle };
}

export class GroupCommit {
  private next: Group | undefined;
  private running: Promise<void> | undefined;
  private lastStart = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The first sync that failed: every later flush reports it. */
  private failure: unknown;
  private readonly intervalMs: number;
  private readonly maxWaiters: number;

  private readonly sync: SyncFn;
  private readonly syncer: Syncer | undefined;

  constructor(syncer: SyncFn | Syncer, options: GroupCommitOptions = {}) {
    this.sync = typeof syncer === "function" ? syncer : syncer.sync;
    this.syncer = typeof syncer === "function" ? undefined : syncer;
    this.intervalMs = options.intervalMs ?? 50;
    this.maxWaiters = options.maxWaiters ?? 256;
  }

  /** Puts waiting for the next sync (for tests). */
  get waiting(): number {
    return this.next?.waiters ?? 0;
  }

  private group(): Group {
    this.next ??= newGroup();
    return this.next;
  }

  /** Notes a folder whose entries changed (a rename into it): durable with the next sync. */
  touch(dir: string): void {
    this.group().dirs.add(dir);
  }

  /** Resolves once `file` (and `dirs`) went through a sync that started after this call; rejects if it failed. */
  durable(file: string | undefined, dirs: Iterable<string> = []): Promise<void> {
    const g = this.group();
    if (file !== undefined) g.files.add(file);
    for (const d of dirs) g.dirs.add(d);
    g.waiters++;
    this.schedule();
    return g.done;
  }

  /** Syncs everything touched so far, now (after a sync already running). */
  async flush(): Promise<void> {
    const g = this.next;
    if (g) {
      g.urgent = true;
      g.waiters++;
      this.schedule();
      await g.done.catch(() => undefined);
    } else {
      // Nothing waits to be synced: what was touched is in the running sync, if any.
      await this.running;
    }
    // A failed sync may have lost renames nobody waited for (syncfs reports a write-back error only once).
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes, then releases the syncer (its helper process). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.syncer?.close();
    }
  }

  private schedule(): void {
    const g = this.next;
    if (!g || this.running || g.waiters === 0) return;
    const wait =
      g.urgent || g.waiters >= this.maxWaiters
        ? 0
        : Math.max(0, this.lastStart + this.intervalMs - Date.now());
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.next = undefined;
    this.lastStart = Date.now();
    const run = this.sync(g).then(
      () => g.settle(),
      (e) => {
        this.failure ??= e;
        g.settle(e);
      },
    );
    this.running = run.finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }
}
