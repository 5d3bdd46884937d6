// Results kept in Redis: short reasons, and never a URL's credentials (they are echoed into run summaries).
import type { ArchiveFile } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { fromStored, toStored } from "./jobs.js";

const file = { key: "data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2023-07-01.zip" } as ArchiveFile;

describe("toStored", () => {
  it("masks credentials in a reason before cutting it short, and round-trips the rest", () => {
    const reason = `GET https://u:s3cret@mirror.local/${"x".repeat(280)}?token=t0k failed`;
    const s = toStored({ file, outcome: "failed", bytes: 0, durationMs: 12.4, attempts: 3, reason });
    expect(s.reason).toMatch(/^GET https:\/\/u:\*\*\*@mirror\.local\/x+/);
    expect(s.reason!.length).toBeLessThanOrEqual(301);
    expect(JSON.stringify(s)).not.toMatch(/s3cret|t0k/);
    expect(fromStored(s, file)).toEqual({
      file,
      outcome: "failed",
      bytes: 0,
      durationMs: 12,
      attempts: 3,
      reason: s.reason,
    });
    expect(toStored({ file, outcome: "downloaded", bytes: 5, durationMs: 1 })).toEqual({
      key: file.key,
      outcome: "downloaded",
      bytes: 5,
      ms: 1,
    });
  });
});
