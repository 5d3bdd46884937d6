// Cancelling an embedded collect with an AbortSignal: the run ends `cancelled`, files cut short are not failures,
// and the next call finishes the job without fetching again what the first stored.
import { collect } from "@crypto-lakehouse/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServedReplica, serveReplica, tempDir } from "../../../apps/cli/test/replica-env.js";

// Enough files that a run is still downloading when its first files are committed: stored files are reported
// once their group commit is durable, and small files download faster than a commit takes.
const SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"];

describe("programmatic API: AbortSignal", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      symbols: { spot: SYMBOLS },
      intervals: ["1m"],
      partitions: ["daily"],
      start: "2023-07-01",
      end: "2023-07-31",
      quirks: false,
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("stops a run mid-way; the next run completes it", async () => {
    const out = tempDir("lh-abort-");
    const config = {
      markets: ["spot"],
      symbols: SYMBOLS,
      data_types: ["klines"],
      intervals: { klines: ["1m"] },
      partitions: "daily" as const,
      date_range: { start: "2023-07-01", end: "2023-07-31" },
      output_directory: out,
      max_parallel_downloads: 4,
      endpoint: replica.endpoint,
    };
    const total = replica.manifest.files.length;
    expect(total).toBe(31 * SYMBOLS.length);

    const controller = new AbortController();
    const first = await collect(config, {
      signal: controller.signal,
      // Abort while other files are still downloading.
      onProgress: (p) => {
        if (p.done >= 3) controller.abort();
      },
    });
    expect(first.status).toBe("cancelled");
    expect(first.ok).toBe(false);
    expect(first.counts.failed).toBe(0);
    expect(first.failures).toEqual([]);
    expect(first.counts.downloaded).toBeGreaterThanOrEqual(3);
    expect(first.counts.downloaded).toBeLessThan(total);

    const second = await collect(config);
    expect(second.status).toBe("completed");
    expect(second.counts).toMatchObject({
      skipped: first.counts.downloaded,
      downloaded: total - first.counts.downloaded,
      failed: 0,
    });
  }, 60_000);
});
