// Backoff bounds and aborts, shared by the downloaders' retries.
import { describe, expect, it } from "vitest";
import { backoffDelay, sleepUnlessAborted, waitBeforeRetry } from "./backoff.js";

describe("backoffDelay (full jitter)", () => {
  const p = { baseMs: 100, maxMs: 1000 };
  it("doubles the ceiling per retry up to the cap", () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, p, top)).toBe(99);
    expect(backoffDelay(2, p, top)).toBe(199);
    expect(backoffDelay(3, p, top)).toBe(399);
    expect(backoffDelay(5, p, top)).toBe(999);
    expect(backoffDelay(9, p, top)).toBe(999);
  });
  it("can be anywhere from zero", () => {
    expect(backoffDelay(4, p, () => 0)).toBe(0);
  });
});

describe("waitBeforeRetry", () => {
  it("stops waiting when the signal aborts, at once when it already has", async () => {
    const c = new AbortController();
    c.abort(new Error("stop"));
    await expect(waitBeforeRetry(1, { baseMs: 0, maxMs: 0 }, c.signal)).rejects.toThrow("stop");
    const later = new AbortController();
    const wait = sleepUnlessAborted(60_000, later.signal);
    later.abort(new Error("cancelled"));
    await expect(wait).rejects.toMatchObject({ name: "AbortError", cause: new Error("cancelled") });
  });
});
