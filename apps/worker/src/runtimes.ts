// One pipeline per run, reused across that run's batches and released when idle: building one (plugins,
// S3 clients, staging dir) per batch would waste time, and keeping every run's forever would leak.
import type { BatchProcessor, QueueJob } from "@crypto-lakehouse/core";
import type { JobRuntime } from "@crypto-lakehouse/runtime";

interface Entry {
  runtime: Promise<JobRuntime>;
  inUse: number;
  lastUsed: number;
}

export interface RuntimeCache {
  processorFor(job: QueueJob): Promise<BatchProcessor>;
  disposeAll(): Promise<void>;
}

export function createRuntimeCache(
  create: (job: QueueJob) => Promise<JobRuntime>,
  idleMs = 5 * 60_000,
): RuntimeCache {
  const entries = new Map<string, Entry>();
  const dispose = (key: string, e: Entry) => {
    entries.delete(key);
    return e.runtime.then(
      (r) => r.dispose(),
      () => {},
    );
  };
  const sweep = setInterval(
    () => {
      for (const [key, e] of entries)
        if (e.inUse === 0 && Date.now() - e.lastUsed > idleMs) void dispose(key, e);
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();

  return {
    async processorFor(job) {
      const key = JSON.stringify(job);
      let e = entries.get(key);
      if (!e) {
        const entry: Entry = { runtime: create(job), inUse: 0, lastUsed: Date.now() };
        e = entry;
        entries.set(key, entry);
        // A pipeline that failed to build is not cached: the batch's retry builds it again.
        entry.runtime.catch(() => entries.get(key) === entry && entries.delete(key));
      }
      const entry = e;
      const { processor } = await entry.runtime;
      return async (batch, ctx) => {
        entry.inUse++;
        try {
          return await processor(batch, ctx);
        } finally {
          entry.inUse--;
          entry.lastUsed = Date.now();
        }
      };
    },
    async disposeAll() {
      clearInterval(sweep);
      await Promise.all([...entries].map(([key, e]) => dispose(key, e)));
    },
  };
}
