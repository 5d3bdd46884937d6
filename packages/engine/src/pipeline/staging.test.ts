// Stale staging cleanup on real folders: who owns a folder (pid, host), how old it is, races, the caller's own folder.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { LogFields, Logger } from "@crypto-lakehouse/core";
import { parseStagingName, STAGING, stagingHost, stagingName } from "@crypto-lakehouse/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStagingDir, removeStaleStaging } from "./staging.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((resolve) => child.once("exit", resolve));
  return pid;
}

function recordingLogger(): Logger & { lines: { level: string; msg: string; fields?: LogFields }[] } {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const logger = {
    lines,
    debug: (msg: string, fields?: LogFields) => lines.push({ level: "debug", msg, fields }),
    info: (msg: string, fields?: LogFields) => lines.push({ level: "info", msg, fields }),
    warn: (msg: string, fields?: LogFields) => lines.push({ level: "warn", msg, fields }),
    error: (msg: string, fields?: LogFields) => lines.push({ level: "error", msg, fields }),
    child: () => logger,
  };
  return logger;
}

const dirs: string[] = [];
function parent(): string {
  const d = mkdtempSync(join(tmpdir(), "lh-staging-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A staging folder holding a partial download of `bytes` bytes, everything last modified `ageMs` ago. */
function folder(parentDir: string, name: string, ageMs: number, bytes = 1000): string {
  const dir = join(parentDir, name);
  mkdirSync(dir, { recursive: true });
  const part = join(dir, "x1-BTCUSDT-trades-2024-01-01.zip.part");
  writeFileSync(part, Buffer.alloc(bytes));
  const t = new Date(Date.now() - ageMs);
  utimesSync(part, t, t);
  utimesSync(dir, t, t);
  return dir;
}

describe("staging folder names", () => {
  it("name the run, the host and the pid, and parse back even when the run id and host hold dashes", () => {
    expect(stagingHost("build-box_01.example.com")).toBe("build_box_01.example.com");
    const name = stagingName("20250101T000000Z-ab12cd", stagingHost("my-host"), 4242);
    expect(name).toBe("20250101T000000Z-ab12cd-my_host-4242");
    expect(parseStagingName(name)).toEqual({ runId: "20250101T000000Z-ab12cd", host: "my_host", pid: 4242 });
    expect(stagingName("r1")).toBe(`r1-${stagingHost()}-${process.pid}`);
    expect(parseStagingName("20250101T000000Z-ab12cd")).toBeUndefined();
    expect(parseStagingName("run-host-0")).toBeUndefined();
  });
});

describe("removeStaleStaging", () => {
  let dead: number;
  const here = stagingHost();
  beforeAll(async () => {
    dead = await deadPid();
  });

  it("keeps a live process's folder however old, on this host and on others", async () => {
    const p = parent();
    folder(p, stagingName("r1", here, process.pid), 48 * HOUR);
    folder(p, stagingName("r2", "elsewhere", process.pid), 48 * HOUR);
    expect(await removeStaleStaging(p, { logger: recordingLogger() })).toEqual([]);
    expect(readdirSync(p)).toHaveLength(2);
  });

  it("removes a dead pid's folder of this host at once, with one info line giving its size", async () => {
    const p = parent();
    const young = folder(p, stagingName("r1", here, dead), 0, 12_345);
    const logger = recordingLogger();
    const removed = await removeStaleStaging(p, { logger });
    expect(removed).toEqual([{ path: young, bytes: 12_345, reason: "dead" }]);
    expect(existsSync(young)).toBe(false);
    const infos = logger.lines.filter((l) => l.level === "info");
    expect(infos).toHaveLength(1);
    expect(infos[0]!.fields).toMatchObject({ path: young, bytes: 12_345 });
  });

  it("removes another host's folder whose pid is not alive here only after 10 idle minutes", async () => {
    const p = parent();
    const young = folder(p, stagingName("r1", "elsewhere", dead), 9 * MIN);
    const old = folder(p, stagingName("r2", "elsewhere", dead), 11 * MIN);
    const removed = await removeStaleStaging(p, { logger: recordingLogger() });
    expect(removed.map((r) => [r.path, r.reason])).toEqual([[old, "dead-old"]]);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it("counts a download still being written as activity, not just the folder's own mtime", async () => {
    const p = parent();
    const dir = folder(p, stagingName("r1", "elsewhere", dead), 30 * MIN);
    writeFileSync(join(dir, "x2-ETHUSDT-trades-2024-01-01.zip.part"), "fresh");
    utimesSync(dir, new Date(Date.now() - 30 * MIN), new Date(Date.now() - 30 * MIN));
    expect(await removeStaleStaging(p, { logger: recordingLogger() })).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });

  it("judges folders without an owner in their name (older versions) by age: 24 hours", async () => {
    const p = parent();
    const young = folder(p, "20250101T000000Z-ab12cd", 23 * HOUR);
    const old = folder(p, "20250101T000000Z-ef34ab", 25 * HOUR);
    const removed = await removeStaleStaging(p, { logger: recordingLogger() });
    expect(removed.map((r) => [r.path, r.reason])).toEqual([[old, "unowned-old"]]);
    expect(existsSync(young)).toBe(true);
    // `now` moves the clock: a day later the young one goes too.
    const later = await removeStaleStaging(p, { logger: recordingLogger(), now: Date.now() + 2 * HOUR });
    expect(later.map((r) => r.path)).toEqual([young]);
  });

  it("leaves files and a missing parent alone", async () => {
    const p = parent();
    writeFileSync(join(p, "stray.txt"), "x");
    const t = new Date(Date.now() - 48 * HOUR);
    utimesSync(join(p, "stray.txt"), t, t);
    expect(await removeStaleStaging(p, { logger: recordingLogger() })).toEqual([]);
    expect(existsSync(join(p, "stray.txt"))).toBe(true);
    expect(await removeStaleStaging(join(p, "absent"), { logger: recordingLogger() })).toEqual([]);
  });

  it("lets processes clean the same folder at the same time without throwing", async () => {
    const p = parent();
    for (let i = 0; i < 20; i++) {
      const dir = folder(p, stagingName(`r${i}`, here, dead), 0);
      mkdirSync(join(dir, "sub"));
      for (let j = 0; j < 20; j++) writeFileSync(join(dir, "sub", `f${j}.part`), Buffer.alloc(100));
    }
    const loggers = [recordingLogger(), recordingLogger(), recordingLogger(), recordingLogger()];
    const results = await Promise.all(loggers.map((logger) => removeStaleStaging(p, { logger })));
    expect(readdirSync(p)).toEqual([]);
    // Every folder was removed by at least one caller, and none of them had anything to warn about.
    expect(new Set(results.flat().map((r) => basename(r.path))).size).toBe(20);
    expect(loggers.flatMap((l) => l.lines).filter((l) => l.level !== "info")).toEqual([]);
  });
});

describe("createStagingDir", () => {
  it("creates this process's folder in the lakehouse, clears a killed run's beside it, and keeps its own", async () => {
    const root = parent();
    const storage = { localPath: (key: string) => join(root, key) };
    const staging = join(root, STAGING);
    const killed = folder(staging, stagingName("r0", stagingHost(), await deadPid()), 0, 500);
    const logger = recordingLogger();
    const own = await createStagingDir(storage, "r1", logger);
    expect(own).toBe(join(staging, stagingName("r1")));
    expect(existsSync(killed)).toBe(false);
    expect(logger.lines.filter((l) => l.level === "info").map((l) => l.fields?.path)).toEqual([killed]);

    // Its own folder, even aged and holding a partial file, survives a second run's cleanup.
    writeFileSync(join(own, "x1-a.zip.part"), "partial");
    const t = new Date(Date.now() - 48 * HOUR);
    utimesSync(join(own, "x1-a.zip.part"), t, t);
    utimesSync(own, t, t);
    const other = await createStagingDir(storage, "r2", recordingLogger());
    expect(dirname(other)).toBe(staging);
    expect(existsSync(join(own, "x1-a.zip.part"))).toBe(true);
  });

  it("uses the OS temp dir when the store has no local paths", async () => {
    const dir = await createStagingDir({}, `test-${process.pid}-${Date.now()}`, recordingLogger());
    dirs.push(dir);
    expect(dir).toBe(join(tmpdir(), "crypto-lakehouse", basename(dir)));
    expect(parseStagingName(basename(dir))?.pid).toBe(process.pid);
  });
});
