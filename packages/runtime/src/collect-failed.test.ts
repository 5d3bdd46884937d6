// collect() on a run that fails fatally: it rejects with a CollectRunError naming the run, whose record is stored.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLakehouseError, LakehouseError, runSummaryKey } from "@crypto-lakehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { CollectRunError, collect } from "./api.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A symbol glob needs the archive listing; nothing listens on port 9, so listing is refused at once. */
const config = (out: string) => ({
  markets: ["spot"],
  symbols: "BTC*",
  data_types: ["klines"],
  intervals: ["1d"],
  date_range: { start: "2024-01-01", end: "2024-01-02" },
  endpoint: "http://user:hunter2@127.0.0.1:9",
  retries: 1,
  output_directory: out,
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable("collect should have rejected"),
    (e: unknown) => e,
  );
}

describe("collect() when the run fails fatally", () => {
  it("rejects with a CollectRunError: the listing error's code and message, the run id, the stored failed summary", async () => {
    const out = mkdtempSync(join(tmpdir(), "lh-api-failed-"));
    dirs.push(out);
    const e = await rejection(collect(config(out), { runId: "20240103T000000Z-ap1f41" }));
    expect(e).toBeInstanceOf(CollectRunError);
    expect(e).toBeInstanceOf(LakehouseError);
    const err = e as CollectRunError;
    expect(isLakehouseError(err.cause)).toBe(true);
    expect(err.code).toBe((err.cause as LakehouseError).code);
    expect(err.message).toMatch(
      /^listing s3:\/\/data\.binance\.vision\/data\/spot\/daily\/klines\/ .*refused/,
    );
    // The endpoint's password is masked in the message, as in the record.
    expect(err.describe()).not.toContain("hunter2");
    expect(err.runId).toBe("20240103T000000Z-ap1f41");
    expect(err.recorded).toBe(true);
    expect(err.summary).toMatchObject({
      runId: err.runId,
      status: "failed",
      planned: 0,
      error: { code: err.code, message: err.message },
    });
    const stored = JSON.parse(readFileSync(join(out, ...runSummaryKey(err.runId).split("/")), "utf8"));
    expect(stored).toEqual(err.summary);
  }, 30_000);

  it("an error before the run starts (invalid config) is thrown as it is, and nothing is recorded", async () => {
    const out = mkdtempSync(join(tmpdir(), "lh-api-input-"));
    dirs.push(out);
    const e = await rejection(collect({ ...config(out), markets: ["margin"] }));
    expect(isLakehouseError(e, "CONFIG_INVALID")).toBe(true);
    expect(e).not.toBeInstanceOf(CollectRunError);
    expect(existsSync(join(out, "_meta", "runs"))).toBe(false);
  });
});
