// A wait that ends early when something happens: lets loops sleep between polls yet react at once to events.
export class Wakeup {
  private waiters: (() => void)[] = [];

  /** Resolves on the next `notify()` or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
