// The prepare-ahead pipeline: order, the budgets, fences, cancellation and failures.
import { describe, expect, it } from "vitest";
import { runAhead, type Step } from "./ahead.js";

/** Resolves after other pending callbacks ran (lets the producer run ahead as far as it may). */
const settle = () => new Promise<void>((r) => setImmediate(r));

async function* from<W>(steps: Step<W>[]): AsyncGenerator<Step<W>> {
  for (const s of steps) yield s;
}

function recorder(sizes: Record<string, number> = {}) {
  const log: string[] = [];
  let waiting = 0;
  let mostWaiting = 0;
  return {
    log,
    most: () => mostWaiting,
    opts: {
      prepare: async (w: string) => {
        log.push(`prepare ${w}`);
        waiting++;
        mostWaiting = Math.max(mostWaiting, waiting);
        return w;
      },
      size: (p: string) => sizes[p] ?? 1,
      consume: async (p: string) => {
        waiting--;
        log.push(`consume ${p}`);
        await settle();
      },
      discard: async (p: string) => {
        waiting--;
        log.push(`discard ${p}`);
      },
      budgetBytes: 1000,
      budgetItems: 1000,
    },
  };
}

describe("runAhead", () => {
  it("consumes in order with tasks in their place, preparing ahead of the consumer", async () => {
    const r = recorder();
    const task = (name: string) => ({ task: async () => void r.log.push(name) });
    await runAhead(
      from<string>([{ work: "a" }, { work: "b" }, task("save"), { work: "c" }, task("end")]),
      r.opts,
    );
    expect(r.log.filter((l) => !l.startsWith("prepare"))).toEqual([
      "consume a",
      "consume b",
      "save",
      "consume c",
      "end",
    ]);
    // c was prepared before b was consumed: across the task.
    expect(r.log.indexOf("prepare c")).toBeLessThan(r.log.indexOf("consume b"));
  });

  it("keeps what waits within the byte and item budgets, but always prepares the next item", async () => {
    const bytes = recorder({ a: 10, b: 600, c: 600, d: 10 });
    await runAhead(from<string>(["a", "b", "c", "d"].map((w) => ({ work: w }))), {
      ...bytes.opts,
      budgetBytes: 500,
    });
    expect(bytes.most()).toBeLessThanOrEqual(2);
    expect(bytes.log.filter((l) => l.startsWith("consume"))).toEqual([
      "consume a",
      "consume b",
      "consume c",
      "consume d",
    ]);
    const items = recorder();
    await runAhead(from<string>(Array.from({ length: 20 }, (_, i) => ({ work: `w${i}` }))), {
      ...items.opts,
      budgetItems: 3,
    });
    expect(items.most()).toBe(3);
    const huge = recorder({ a: 5000, b: 5000 });
    await runAhead(from<string>([{ work: "a" }, { work: "b" }]), { ...huge.opts, budgetBytes: 1 });
    expect(huge.log).toEqual(["prepare a", "consume a", "prepare b", "consume b"]);
  });

  it("offers the consumer an idle turn when it has caught up, and looks again when that turn did work", async () => {
    const log: string[] = [];
    let held = 0;
    await runAhead(from<string>(["a", "b", "c"].map((w) => ({ work: w }))), {
      // A slow producer: the consumer catches up after every item (timers run after all pending promise callbacks).
      prepare: (w: string) => new Promise<string>((r) => setTimeout(() => r(w), 5)),
      size: () => 1,
      consume: async (p: string) => {
        held++;
        log.push(`consume ${p}`);
      },
      discard: async () => {},
      idle: async () => {
        log.push(held ? `idle: start on ${held}` : "idle: nothing to do");
        const did = held > 0;
        held = 0;
        return did;
      },
      budgetBytes: 1000,
      budgetItems: 1000,
    });
    // Each idle turn that did work is followed by another look (and, nothing there, an idle turn that does none).
    expect(log.slice(0, 7)).toEqual([
      "idle: nothing to do",
      "consume a",
      "idle: start on 1",
      "idle: nothing to do",
      "consume b",
      "idle: start on 1",
      "idle: nothing to do",
    ]);
    expect(log[7]).toBe("consume c");
  });

  it("pulls nothing past a fence until the consumer has run it", async () => {
    const r = recorder();
    let fenced = false;
    async function* plan(): AsyncGenerator<Step<string>> {
      yield { work: "monthly" };
      yield {
        task: async () => {
          fenced = true;
        },
        fence: true,
      };
      r.log.push(`plan daily (fence passed: ${fenced})`);
      yield { work: "daily" };
    }
    await runAhead(plan(), r.opts);
    expect(r.log).toEqual([
      "prepare monthly",
      "consume monthly",
      "plan daily (fence passed: true)",
      "prepare daily",
      "consume daily",
    ]);
  });

  it("stops pulling once cancelled and discards what was prepared; tasks already pulled still run", async () => {
    const r = recorder();
    const ac = new AbortController();
    const consume = r.opts.consume;
    await runAhead(
      from<string>([
        { work: "a" },
        { work: "b" },
        { task: async () => void r.log.push("save") },
        { work: "c" },
      ]),
      {
        ...r.opts,
        signal: ac.signal,
        consume: async (p) => {
          // By now b, the task and c are pulled (the producer runs ahead while a is consumed).
          await consume(p);
          ac.abort();
        },
      },
    );
    expect(r.log.filter((l) => !l.startsWith("prepare"))).toEqual([
      "consume a",
      "discard b",
      "save",
      "discard c",
    ]);
  });

  it("rethrows a failed task or plan, after stopping the producer and discarding what it prepared", async () => {
    const r = recorder();
    const failing = from<string>([
      { work: "a" },
      { task: () => Promise.reject(new Error("cannot save")) },
      { work: "b" },
      { work: "c" },
    ]);
    await expect(runAhead(failing, r.opts)).rejects.toThrow("cannot save");
    expect(r.log.filter((l) => l.startsWith("consume"))).toEqual(["consume a"]);
    const prepared = r.log.filter((l) => l.startsWith("prepare")).length;
    expect(r.log.filter((l) => l.startsWith("discard"))).toHaveLength(prepared - 1);

    async function* broken(): AsyncGenerator<Step<string>> {
      yield { work: "a" };
      throw new Error("state unreadable");
    }
    await expect(runAhead(broken(), recorder().opts)).rejects.toThrow("state unreadable");
  });
});
