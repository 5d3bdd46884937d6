// The in-process executor runs enough batches side by side to keep the downloader busy while some batches are in
// their verify-and-store tail, never more than a downloader says it serves well, and every batch exactly once.
import type { Batch, BatchProcessor, QueueJob } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { batchesInFlight, createInProcessExecutor } from "./in-process.js";

const JOB = { runId: "r", downloader: { id: "http", settings: {} }, storage: { id: "local", options: {} } };

async function* batches(n: number, size: number): AsyncGenerator<Batch> {
  for (let i = 0; i < n; i++)
    yield { id: `b${i}`, index: i, files: Array.from({ length: size }, () => ({}) as never) };
}

/** Runs `n` batches through the executor; returns the most processed at once and the batches seen. */
async function run(n: number, size: number, concurrency: number, maxBatchesInFlight?: number) {
  let running = 0;
  let peak = 0;
  const seen: string[] = [];
  const processor: BatchProcessor = async (batch) => {
    running++;
    peak = Math.max(peak, running);
    seen.push(batch.id);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return [];
  };
  await createInProcessExecutor().run({
    runId: "r",
    batches: batches(n, size),
    processor,
    job: JOB as unknown as QueueJob,
    concurrency,
    ...(maxBatchesInFlight ? { maxBatchesInFlight } : {}),
    onFile: () => undefined,
  });
  return { peak, seen };
}

describe("in-process executor", () => {
  it("runs more batches than just fill the downloader's concurrency (2 requests a file), within 2..16", () => {
    expect(batchesInFlight(256, 100)).toBe(8);
    expect(batchesInFlight(16, 100)).toBe(3);
    expect(batchesInFlight(1, 1000)).toBe(3);
    expect(batchesInFlight(4096, 10)).toBe(16);
  });

  it("processes every batch once, that many at a time", async () => {
    const { peak, seen } = await run(40, 100, 256);
    expect(peak).toBe(8);
    expect(seen.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `b${i}`).sort());
  });

  it("never runs more batches at once than the downloader's maxBatchesInFlight", async () => {
    const { peak, seen } = await run(40, 100, 256, 4);
    expect(peak).toBe(4);
    expect(seen.length).toBe(40);
  });
});
