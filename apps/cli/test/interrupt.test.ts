// Ctrl-C / SIGTERM while a long command runs abort its signal (the run stops cleanly and reports) instead of killing
// the process; once released, the command leaves no listener behind.
import { describe, expect, it } from "vitest";
import { onInterrupt } from "../src/interrupt.js";

const listeners = () => [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];

describe("onInterrupt", () => {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`a real ${sig} aborts the signal, and the process lives on`, async () => {
      const before = listeners();
      const interrupt = onInterrupt();
      const aborted = new Promise<void>((r) => interrupt.signal.addEventListener("abort", () => r()));
      process.kill(process.pid, sig);
      await aborted;
      expect(interrupt.signal.aborted).toBe(true);
      interrupt.release();
      expect(listeners()).toEqual(before);
    });
  }

  it("released before any signal: not aborted, no listener left", () => {
    const before = listeners();
    const interrupt = onInterrupt();
    expect(listeners()).toEqual(before.map((n) => n + 1));
    interrupt.release();
    expect(listeners()).toEqual(before);
    expect(interrupt.signal.aborted).toBe(false);
  });
});
