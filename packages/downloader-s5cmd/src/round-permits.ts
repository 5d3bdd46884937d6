// The permits of one round's cp commands: each command handed to s5cmd holds one of the downloader's budget until
// its result line (or the end of the process), so the commands in flight across all our s5cmd processes never
// exceed the budget's limit.
import type { AdaptiveLimit, Release } from "@crypto-lakehouse/core";

export interface RoundPermits {
  /** Commands holding a permit now. */
  readonly size: number;
  /** Waits for a permit for this command; false when the feed stopped first. */
  take(url: string): Promise<boolean>;
  /** The command's result line came: its permit goes back (`ok`: it succeeded, which counts as throughput). */
  release(url: string, ok: boolean): void;
  /** s5cmd is gone: no more commands are handed out and every permit goes back. */
  end(): void;
  /** s5cmd's stdin: each command once it has a permit (the first one has it already). */
  feed(commands: readonly { url: string; line: string }[]): AsyncGenerator<string>;
}

export function createRoundPermits(budget: AdaptiveLimit, stop: AbortSignal): RoundPermits {
  const permits = new Map<string, Release>();
  /** Stops handing out commands: the round is over, or s5cmd has ended. */
  const feedStop = new AbortController();
  const onStop = () => feedStop.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  const take = async (url: string): Promise<boolean> => {
    let release: Release;
    try {
      release = await budget.acquire(feedStop.signal);
    } catch {
      return false;
    }
    if (feedStop.signal.aborted) {
      release();
      return false;
    }
    permits.set(url, release);
    return true;
  };
  return {
    get size() {
      return permits.size;
    },
    take,
    release(url, ok) {
      const release = permits.get(url);
      if (!release) return;
      release();
      permits.delete(url);
      if (ok) budget.completed();
    },
    end() {
      feedStop.abort();
      for (const release of permits.values()) release();
      permits.clear();
      stop.removeEventListener("abort", onStop);
    },
    async *feed(commands) {
      for (const [i, c] of commands.entries()) {
        if (i > 0 && !(await take(c.url))) return;
        yield `${c.line}\n`;
      }
    },
  };
}
