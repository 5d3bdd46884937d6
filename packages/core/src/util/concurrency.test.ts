// forEachConcurrent / mapConcurrent: bounded lanes, lazy pulling, order of results, and failures that settle first.
import { describe, expect, it } from "vitest";
import { forEachConcurrent, mapConcurrent } from "./concurrency.js";

/** A promise resolved from outside, so tests wait on conditions rather than on time. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe("forEachConcurrent", () => {
  it("never runs more than `concurrency` at once and pulls an item only when a lane is free", async () => {
    let running = 0;
    let peak = 0;
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield i;
      }
    }
    const held = gate();
    const seen: number[] = [];
    const done = forEachConcurrent(source(), 3, async (x) => {
      running++;
      peak = Math.max(peak, running);
      if (x < 3) await held.opened;
      else await Promise.resolve();
      seen.push(x);
      running--;
    });
    // The first three items hold all three lanes: nothing more is pulled until one is free.
    while (running < 3) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(pulled).toBe(3);
    expect(seen).toEqual([]);
    held.open();
    await done;
    expect(peak).toBe(3);
    expect(pulled).toBe(20);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("on a failure takes no new item, lets running work settle, then rethrows the failure", async () => {
    const slow = gate();
    let slowFinished = false;
    const started: number[] = [];
    const run = forEachConcurrent([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      if (x === 0) {
        await slow.opened;
        slowFinished = true;
      }
      if (x === 1) throw new Error("boom");
    });
    let settled = false;
    run.catch(() => {}).finally(() => (settled = true));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // item 0 is still running
    slow.open();
    await expect(run).rejects.toThrow("boom");
    expect(slowFinished).toBe(true);
    expect(started).toEqual([0, 1]);
  });

  it("stops taking items once the signal aborts", async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    await forEachConcurrent(
      [1, 2, 3, 4],
      1,
      async (x) => {
        seen.push(x);
        if (x === 2) ac.abort();
      },
      ac.signal,
    );
    expect(seen).toEqual([1, 2]);
  });
});

describe("mapConcurrent", () => {
  it("keeps the tasks' order whatever order they finish in", async () => {
    const gates = [gate(), gate(), gate()];
    const out = mapConcurrent(
      gates.map((g, i) => async () => {
        await g.opened;
        return i * 10;
      }),
      3,
    );
    gates[2]!.open();
    gates[0]!.open();
    gates[1]!.open();
    expect(await out).toEqual([0, 10, 20]);
  });
});

describe("forEachConcurrent closes a source it leaves unfinished", () => {
  it("runs the generator's cleanup after a failure, as a for-await loop would", async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    await expect(
      forEachConcurrent(source(), 2, async (x) => {
        if (x === 3) throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(closed).toBe(true);
  });
});
