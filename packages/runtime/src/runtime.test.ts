// Which executor a run uses: `executor` in config by id, `queue` as the bullmq shorthand, in-process by default.
import { type ExecutorPlugin, isLakehouseError } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinRegistry, register } from "./registry.js";
import { resolveRun } from "./resolve.js";
import { createRuntime } from "./runtime.js";
import { executorSelection } from "./selection.js";

const BASE = {
  markets: ["spot"],
  symbols: ["BTCUSDT"],
  data_types: ["klines"],
  intervals: ["1d"],
  date_range: { start: "2024-01-01", end: "2024-01-02" },
};

async function selected(extra: Record<string, unknown>) {
  const run = await resolveRun({ ...BASE, ...extra });
  const { plugin, options } = await executorSelection(run.registry, run.settings);
  return { id: plugin.id, options };
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isLakehouseError(e)) return e.describe();
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("choosing the executor", () => {
  it("in-process by default, bullmq with a queue URL (as its url option)", async () => {
    expect(await selected({})).toEqual({ id: "in-process", options: {} });
    expect(await selected({ queue: "redis://h:6379" })).toEqual({
      id: "bullmq",
      options: { url: "redis://h:6379" },
    });
  });

  it("by id in config, as a string or as { kind, …options }", async () => {
    expect(await selected({ executor: "in-process" })).toEqual({ id: "in-process", options: {} });
    expect(await selected({ executor: { kind: "bullmq", url: "redis://h:6379", attempts: 2 } })).toEqual({
      id: "bullmq",
      options: { url: "redis://h:6379", attempts: 2 },
    });
    // `queue` gives bullmq its URL; the executor's other options stay.
    expect(
      await selected({ queue: "redis://q:6379", executor: { kind: "bullmq", queue: "nightly" } }),
    ).toEqual({ id: "bullmq", options: { queue: "nightly", url: "redis://q:6379" } });
  });

  it("rejects an unknown id, bullmq without a URL, and another executor beside a queue", async () => {
    expect(await messageOf(selected({ executor: "sequential" }))).toBe(
      "executor: 'sequential' is not a known executor (known: in-process, bullmq)",
    );
    expect(await messageOf(selected({ executor: { kind: "bullmq" } }))).toMatch(
      /^executor: 'bullmq' needs a Redis URL — pass --queue/,
    );
    const both = await messageOf(selected({ queue: "redis://h:6379", executor: "in-process" }));
    expect(both).toContain("executor");
    expect(both).toContain("conflicts with queue");
  });

  it("creates a plugin's executor with its options validated by the plugin's schema", async () => {
    const made: unknown[] = [];
    const registry = builtinRegistry();
    const plugin: ExecutorPlugin<{ lanes: number }> = {
      kind: "executor",
      id: "lanes",
      description: "test executor",
      optionsSchema: z.object({ lanes: z.number().int().min(1) }).strict(),
      create(options) {
        made.push(options);
        return { kind: "executor", id: "lanes", async run() {} };
      },
    };
    register(registry, plugin, "test");
    const run = await resolveRun({ ...BASE, executor: { kind: "lanes", lanes: 3 } }, { registry });
    const rt = await createRuntime(run);
    expect((await rt.executor()).id).toBe("lanes");
    expect(made).toEqual([{ lanes: 3 }]);
    await rt.dispose();
    const bad = await resolveRun({ ...BASE, executor: { kind: "lanes", lanes: 0 } }, { registry });
    const msg = await messageOf(createRuntime(bad));
    expect(msg).toMatch(/^Invalid options for executor lanes/);
    // The plugin's own zod schema drives the message: the value and what is allowed.
    expect(msg).toContain("executor lanes.lanes: 0 is too small (allowed: an integer of at least 1)");
    expect(made).toHaveLength(1);
  });
});
