// The AIMD limit on a simulated link: it grows while throughput grows, holds when it does not, halves on
// congestion, never passes its cap, and stops growing over the memory budget.
import { describe, expect, it } from "vitest";
import { type AdaptiveLimit, createAdaptiveLimit } from "./adaptive-limit.js";

/** A fake clock and a link where each transfer takes `rttMs`; `capacity` transfers at most make progress at once. */
function simulate(
  limit: AdaptiveLimit,
  clock: { t: number },
  rounds: number,
  capacity = Infinity,
  rttMs = 150,
) {
  for (let r = 0; r < rounds; r++) {
    // One round: `limit` transfers start, all finish one round trip later (fewer when the link is full).
    const n = Math.min(limit.limit, capacity);
    clock.t += rttMs * Math.max(1, limit.limit / n);
    for (let i = 0; i < limit.limit; i++) limit.completed();
  }
}

/** Fills every slot, so the limit counts as reached in the coming window. */
async function saturate(limit: AdaptiveLimit): Promise<() => void> {
  const releases = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
  // One more transfer waits (and gives up): the limit was what held it back.
  const ac = new AbortController();
  const extra = limit.acquire(ac.signal).catch(() => undefined);
  ac.abort();
  await extra;
  return () => {
    for (const r of releases) r();
  };
}

describe("createAdaptiveLimit", () => {
  it("grows from 8 towards its cap while throughput grows with it", async () => {
    const clock = { t: 0 };
    const limit = createAdaptiveLimit({ max: 256, adaptive: true, now: () => clock.t, rss: () => 0 });
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 30 && limit.limit < 256; i++) {
      const release = await saturate(limit);
      simulate(limit, clock, 1);
      release();
    }
    expect(limit.limit).toBe(256);
    expect(limit.report()).toMatchObject({ adaptive: true, peak: 256, max: 256, decreases: 0 });
  });

  it("stops growing when throughput no longer grows (the link is full)", async () => {
    const clock = { t: 0 };
    const limit = createAdaptiveLimit({ max: 256, adaptive: true, now: () => clock.t, rss: () => 0 });
    for (let i = 0; i < 40; i++) {
      const release = await saturate(limit);
      simulate(limit, clock, 1, 32);
      release();
    }
    expect(limit.limit).toBeGreaterThanOrEqual(32);
    expect(limit.limit).toBeLessThan(128);
  });

  it("halves on congestion, once per round of transfers, and recovers step by step", async () => {
    const clock = { t: 0 };
    const limit = createAdaptiveLimit({ max: 64, adaptive: false, now: () => clock.t, rss: () => 0 });
    expect(limit.limit).toBe(64);
    clock.t += 5000;
    limit.congested();
    limit.congested(); // the same overload seen by another transfer of the round
    expect(limit.limit).toBe(32);
    clock.t += 2000;
    limit.congested();
    expect(limit.limit).toBe(16);
    for (let i = 0; i < 20; i++) {
      const release = await saturate(limit);
      simulate(limit, clock, 1);
      release();
    }
    expect(limit.limit).toBeGreaterThan(16);
    expect(limit.limit).toBeLessThanOrEqual(64);
    expect(limit.report()).toMatchObject({ adaptive: false, decreases: 2, max: 64 });
  });

  it("never hands out more permits than the limit", async () => {
    const limit = createAdaptiveLimit({ max: 3, adaptive: false });
    const got: Array<() => void> = [];
    const waiting = Array.from({ length: 5 }, () => limit.acquire().then((r) => got.push(r)));
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(3);
    expect(limit.inUse).toBe(3);
    got[0]?.();
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(4);
    for (const r of got) r();
    await Promise.all(waiting);
    expect(limit.report().peakInFlight).toBe(3);
  });

  it("gives an aborted waiter's permit to the next one", async () => {
    const limit = createAdaptiveLimit({ max: 1, adaptive: false });
    const first = await limit.acquire();
    const ac = new AbortController();
    const aborted = limit.acquire(ac.signal);
    const next = limit.acquire();
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    first();
    const release = await next;
    expect(limit.inUse).toBe(1);
    release();
  });

  it("is cut, not grown, over the memory budget", async () => {
    const clock = { t: 0 };
    let rss = 0;
    const limit = createAdaptiveLimit({
      max: 256,
      adaptive: true,
      now: () => clock.t,
      rss: () => rss,
      memoryBudgetBytes: 100,
    });
    for (let i = 0; i < 8; i++) {
      const release = await saturate(limit);
      simulate(limit, clock, 1);
      release();
    }
    const before = limit.limit;
    expect(before).toBeGreaterThan(8);
    rss = 1000;
    const release = await saturate(limit);
    simulate(limit, clock, 1);
    release();
    expect(limit.limit).toBe(Math.floor(before / 2));
  });
});
