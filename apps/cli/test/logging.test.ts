// Logging: --verbose / --quiet / LOG_LEVEL, JSON lines off a TTY or with --log-format json, the run id on every line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

describe("logging", () => {
  let replica: ServedReplica;
  const sel = () => [
    "collect",
    "--endpoint",
    replica.endpoint,
    "--market",
    "spot",
    "--symbols",
    "BTCUSDT",
    "--data-types",
    "klines",
    "--intervals",
    "1s,1d",
    "--start",
    "2023-07-01",
    "--end",
    "2023-07-03",
    "--json",
  ];
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1s", "1d"],
      start: "2023-07-01",
      end: "2023-07-03",
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("--verbose --log-format json: structured lines, each with the run id", async () => {
    const r = await lakehouse([
      ...sel(),
      "--output",
      tempDir("lh-log-"),
      "--verbose",
      "--log-format",
      "json",
    ]);
    const runId = JSON.parse(r.stdout).runId;
    const lines = r.stderr.trim().split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry.runId, line).toBe(runId);
      expect(typeof entry.msg).toBe("string");
    }
    // The stale CHECKSUM of the replica's 1s file is logged as a warning.
    expect(lines.some((l) => JSON.parse(l).level === 40 && /CHECKSUM is stale/.test(JSON.parse(l).msg))).toBe(
      true,
    );
  });

  it("--quiet shows no warnings; LOG_LEVEL=info shows start and finish", async () => {
    const quiet = await lakehouse([...sel(), "--output", tempDir("lh-log-"), "--quiet"]);
    expect(quiet.stderr.trim()).toBe("");
    const info = await lakehouse([...sel(), "--output", tempDir("lh-log-")], { env: { LOG_LEVEL: "info" } });
    const msgs = info.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).msg);
    expect(msgs).toContain("collect started");
    expect(msgs).toContain("collect finished");
  });

  it("LOG_LEVEL takes other tools' spellings; an unknown level is bad input, before anything runs", async () => {
    const out = tempDir("lh-log-");
    const warning = await lakehouse([...sel(), "--output", out], { env: { LOG_LEVEL: "WARNING" } });
    expect(warning.code, warning.stderr).not.toBe(2);
    // The selection holds a stale CHECKSUM: its warning shows, info lines do not.
    const levels = warning.stderr
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((l) => l >= 40)).toBe(true);
    const bad = await lakehouse([...sel(), "--output", tempDir("lh-log-")], { env: { LOG_LEVEL: "loud" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /LOG_LEVEL: 'loud' is not a log level \(allowed: trace, debug, info, warn, error, fatal, silent\)/,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
