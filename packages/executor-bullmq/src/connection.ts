// Redis connections for BullMQ. BullMQ cannot load ioredis itself from native ESM, so we always hand it instances.
import { LakehouseError } from "@crypto-lakehouse/core";
import { Redis } from "ioredis";
import { redactUrl } from "./options.js";

/** A connection BullMQ accepts for blocking and normal commands (`maxRetriesPerRequest: null` is required). */
export function connect(url: string, onError?: (e: Error) => void): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    // Reconnect with a capped backoff: a Redis restart must not kill a long run.
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 10_000),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every failed reconnect; commands still wait for the connection.
  // Only a connection that was up is reported lost (a first failure is `assertReachable`'s to report).
  let up = false;
  redis.on("error", (e: Error) => {
    if (up) onError?.(e);
    up = false;
  });
  redis.on("ready", () => {
    up = true;
  });
  return redis;
}

/** Fails fast with an actionable error when Redis is unreachable, instead of retrying silently forever. */
export async function assertReachable(redis: Redis, url: string, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onError: ((e: Error) => void) | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        onError = reject;
        redis.once("error", onError);
      }),
    ]);
  } catch (e) {
    throw new LakehouseError(
      "NETWORK",
      `Cannot reach Redis at ${redactUrl(url)} (${(e as Error).message}). Start redis-server there or fix --queue.`,
      { retryable: true, cause: e },
    );
  } finally {
    clearTimeout(timer);
    if (onError) redis.off("error", onError);
  }
}

/** Closes connections we created; never throws (closing is best effort on shutdown paths). */
export async function disconnect(...conns: (Redis | undefined)[]): Promise<void> {
  await Promise.allSettled(
    conns.map(async (c) => {
      if (!c || c.status === "end") return;
      if (c.status !== "ready") {
        c.disconnect(); // QUIT would wait for a connection that may never come
        return;
      }
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }),
  );
}

/**
 * BullMQ objects re-emit connection errors; without a listener they print raw stacks. The commands that need
 * the connection fail or wait on their own, and `connect` already reports the first error.
 */
export function quiet<T extends { on(event: "error", fn: (e: Error) => void): unknown }>(x: T): T {
  x.on("error", () => {});
  return x;
}
