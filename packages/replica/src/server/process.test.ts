// Process plumbing: stop() escalates to SIGKILL, startup failures carry the tool's output, the watchdog reaps orphans.
import { isLakehouseError } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { spawnService, startWatchdog, waitUntilReady } from "./process.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const STUBBORN =
  'process.on("SIGTERM", () => console.error("ignoring SIGTERM")); console.error("handler set"); setInterval(() => {}, 1000);';

describe("spawnService", () => {
  it("stops a process that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const svc = spawnService("stubborn", process.execPath, ["-e", STUBBORN]);
    await waitUntilReady(svc, async () => svc.output().includes("handler set"));
    await svc.stop(300);
    expect(svc.hasExited()).toBe(true);
    expect((await svc.exited).signal).toBe("SIGKILL");
    expect(alive(svc.pid)).toBe(false);
    await svc.stop(); // a second stop is a no-op
  });

  it("fails startup fast with the service's own output when it exits", async () => {
    const svc = spawnService("broken", process.execPath, [
      "-e",
      'console.error("bind: address already in use"); process.exit(3)',
    ]);
    const err = await waitUntilReady(svc, async () => false).catch((e: unknown) => e);
    expect(isLakehouseError(err, "INTERNAL")).toBe(true);
    expect((err as Error).message).toMatch(
      /broken exited during startup \(exit code 3\): .*address already in use/,
    );
  });

  it("times out and stops a service that never becomes ready", async () => {
    const svc = spawnService("silent", process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    await expect(waitUntilReady(svc, async () => false, { timeoutMs: 300 })).rejects.toThrow(
      /silent did not become ready within 300 ms/,
    );
    expect(svc.hasExited()).toBe(true);
  });

  it("reports a missing binary as a startup failure", async () => {
    const svc = spawnService("ghost", "/nonexistent/ghost-binary", []);
    await expect(waitUntilReady(svc, async () => true)).rejects.toThrow(
      /ghost exited during startup.*ENOENT/,
    );
  });
});

describe("startWatchdog", () => {
  it("kills the watched process once its pipe closes (the test process died)", async () => {
    const svc = spawnService("orphan-to-be", process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const dog = startWatchdog(svc.pid);
    expect(dog?.stdin).toBeTruthy();
    dog?.stdin?.end(); // what the kernel does to the pipe when our process dies
    const exit = await svc.exited;
    expect(exit.signal).toBe("SIGTERM");
  });
});
