// The pool yields results in completion order, never runs more than `limit` at once, and cleans up on early stop.
import { describe, expect, it } from "vitest";
import { mapConcurrent } from "./pool.js";

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("mapConcurrent", () => {
  it("yields a finished result while another item is still running", async () => {
    const slow = deferred<string>();
    const started: string[] = [];
    const it = mapConcurrent(["slow", "fast"], 2, async (item) => {
      started.push(item);
      return item === "slow" ? slow.promise : item;
    });
    const first = await it.next();
    expect(first.value).toBe("fast");
    expect(started).toEqual(["slow", "fast"]);
    slow.resolve("slow");
    expect((await it.next()).value).toBe("slow");
    expect((await it.next()).done).toBe(true);
  });

  it("never runs more than `limit` items at once and processes every item", async () => {
    let running = 0;
    let max = 0;
    const items = Array.from({ length: 25 }, (_, i) => i);
    const out: number[] = [];
    for await (const r of mapConcurrent(items, 3, async (i) => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return i * 2;
    })) {
      out.push(r);
    }
    expect(max).toBe(3);
    expect(out.sort((a, b) => a - b)).toEqual(items.map((i) => i * 2));
  });

  it("on abort stops starting items, waits for running ones and discards undelivered results", async () => {
    const controller = new AbortController();
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const discarded: number[] = [];
    const it = mapConcurrent(
      [0, 1, 2, 3, 4],
      2,
      async (i, signal) => {
        started.push(i);
        if (i === 0) return i;
        // Item 1 finishes after the abort (its result is never delivered); item 2 honours the signal.
        await Promise.race([
          gates[i === 1 ? 1 : 2]!.promise,
          new Promise((_, reject) =>
            signal.addEventListener("abort", () => i !== 1 && reject(signal.reason)),
          ),
        ]);
        return i;
      },
      { signal: controller.signal, discard: (r) => void discarded.push(r) },
    );
    expect((await it.next()).value).toBe(0);
    // Item 2 started after item 0 finished; now abort while 1 and 2 run.
    const pending = it.next();
    controller.abort();
    gates[1]!.resolve();
    expect((await pending).done).toBe(true);
    expect(started).toEqual([0, 1, 2]);
    expect(discarded).toEqual([1]);
  });

  it("hands out no finished result after an abort", async () => {
    const controller = new AbortController();
    const discarded: number[] = [];
    const got: number[] = [];
    for await (const r of mapConcurrent([1, 2, 3, 4], 4, async (i) => i, {
      signal: controller.signal,
      discard: (r) => void discarded.push(r),
    })) {
      got.push(r);
      controller.abort();
    }
    expect(got).toEqual([1]);
    expect(discarded.sort()).toEqual([2, 3, 4]);
  });

  it("stops and discards when the consumer breaks out early", async () => {
    const discarded: number[] = [];
    let started = 0;
    for await (const r of mapConcurrent(
      [1, 2, 3, 4, 5, 6],
      3,
      async (i) => {
        started++;
        return i;
      },
      { discard: (r) => void discarded.push(r), maxBuffered: 2 },
    )) {
      expect(r).toBe(1);
      break;
    }
    // Backpressure: workers pause once 2 results wait, so not everything was started.
    expect(started).toBeLessThan(6);
    expect(discarded.length).toBe(started - 1);
  });

  it("rethrows an unexpected rejection after running work settles", async () => {
    const run = async () => {
      for await (const _ of mapConcurrent([1, 2], 2, async (i) => {
        if (i === 2) throw new Error("bug");
        return i;
      })) {
        // consume
      }
    };
    await expect(run()).rejects.toThrow("bug");
  });
});
