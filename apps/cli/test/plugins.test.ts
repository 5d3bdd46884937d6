// Choosing plugins by id on the command line: a wrong choice stops the run before anything is fetched, with exit 2
// and a message naming the id and what is known. (The happy paths run in examples/plugin-example/test.)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { tempDir } from "./replica-env.js";

const SELECTION = selection({
  market: "spot",
  symbols: "BTCUSDT",
  dataTypes: "klines",
  intervals: "1d",
  start: "2024-01-01",
  end: "2024-01-02",
});

/** Exit code 2, the message on stderr, no stack trace, nothing on stdout and nothing written to the lake. */
async function rejected(args: string[], message: RegExp | string): Promise<void> {
  const r = await lakehouse(["collect", ...SELECTION, ...args]);
  expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
}

describe("choosing the executor", () => {
  it("an unknown executor id, from --executor or from config", async () => {
    const out = tempDir("lh-exec-out-");
    await rejected(
      ["--output", out, "--executor", "sequential"],
      "Error: executor: 'sequential' is not a known executor (known: in-process, bullmq)\n",
    );
    const cfg = join(tempDir("lh-exec-cfg-"), "lakehouse.json");
    writeFileSync(cfg, JSON.stringify({ executor: { kind: "sequential", lanes: 1 } }));
    await rejected(
      ["--config", cfg, "--output", out],
      "executor: 'sequential' is not a known executor (known: in-process, bullmq)",
    );
  });

  it("a queue together with another executor names both", async () => {
    const out = tempDir("lh-exec-out-");
    await rejected(
      ["--output", out, "--queue", "redis://127.0.0.1:9", "--executor", "in-process"],
      /--executor: 'in-process' conflicts with --queue, which runs batches through the 'bullmq' executor/,
    );
    const cfg = join(tempDir("lh-exec-cfg-"), "lakehouse.json");
    writeFileSync(cfg, JSON.stringify({ queue: "redis://127.0.0.1:9" }));
    await rejected(
      ["--config", cfg, "--output", out, "--executor", "in-process"],
      /--executor: 'in-process' conflicts with queue/,
    );
  });

  it("bullmq without a Redis URL says how to give one", async () => {
    await rejected(
      ["--output", tempDir("lh-exec-out-"), "--executor", "bullmq"],
      "executor: 'bullmq' needs a Redis URL — pass --queue redis://HOST:PORT (queue), or set executor.url",
    );
  });

  it("--help documents --executor", async () => {
    const r = await lakehouse(["collect", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--executor <id>\s+executor plugin running the batches/);
  });
});
