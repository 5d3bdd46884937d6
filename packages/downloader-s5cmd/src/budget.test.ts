// The shared transfer budget: permits up to its size, first come first served, aborted waiters skipped.
import { describe, expect, it } from "vitest";
import { createTransferBudget, type Release } from "./budget.js";

/** Lets queued acquisitions settle (p-limit starts the next function in a microtask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("transfer budget", () => {
  it("hands out at most `size` permits and gives a released one to the longest waiter", async () => {
    const budget = createTransferBudget(2);
    const signal = new AbortController().signal;
    const got: string[] = [];
    const releases = new Map<string, Release>();
    for (const name of ["a", "b", "c", "d"]) {
      void budget.acquire(signal).then((release) => {
        got.push(name);
        releases.set(name, release);
      });
    }
    await settle();
    expect(got).toEqual(["a", "b"]);
    expect(budget.inUse).toBe(2);
    releases.get("b")!();
    releases.get("b")!(); // a second release of the same permit frees nothing more
    await settle();
    expect(got).toEqual(["a", "b", "c"]);
    expect(budget.inUse).toBe(2);
    releases.get("a")!();
    releases.get("c")!();
    await settle();
    expect(got).toEqual(["a", "b", "c", "d"]);
    expect(budget.inUse).toBe(1);
  });

  it("rejects a waiter whose signal aborts, and passes its turn to the next one", async () => {
    const budget = createTransferBudget(1);
    const first = await budget.acquire(new AbortController().signal);
    const quitter = new AbortController();
    const quitting = budget.acquire(quitter.signal);
    const next = budget.acquire(new AbortController().signal);
    quitter.abort(new Error("stopped"));
    await expect(quitting).rejects.toThrow("stopped");
    await expect(budget.acquire(quitter.signal)).rejects.toThrow("stopped");
    first();
    const release = await next;
    expect(budget.inUse).toBe(1);
    release();
    await settle();
    expect(budget.inUse).toBe(0);
  });
});
