// Real redis-server: answers PING on its own port, and is gone after stop().
import { afterAll, describe, expect, it } from "vitest";
import { pingRedis, type RedisServer, startRedis } from "./redis.js";

let redis: RedisServer | undefined;

afterAll(async () => {
  await redis?.stop();
});

describe("startRedis", () => {
  it("starts redis-server on 127.0.0.1 answering PING, and stops it", async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await pingRedis(redis.port)).toBe(true);
    await redis.stop();
    expect(await pingRedis(redis.port)).toBe(false);
  });

  it("pingRedis is false where nothing listens", async () => {
    const { freePort } = await import("@crypto-lakehouse/replica");
    expect(await pingRedis(await freePort())).toBe(false);
  });
});
