// Ctrl-C (SIGINT) and SIGTERM as an AbortSignal: a long command (collect, sync, verify, silver) stops cleanly and
// still reports what it did, instead of dying mid-write.

export interface Interrupt {
  signal: AbortSignal;
  /** Stops listening for the signals (the next Ctrl-C is node's default again). */
  release(): void;
}

/** Aborts `signal` on the first SIGINT or SIGTERM until `release()`. */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
