// Starts a real redis-server on 127.0.0.1 (no persistence) and checks it with a raw RESP PING.
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { findTool, spawnService, startOnFreePort, waitUntilReady } from "@crypto-lakehouse/replica";

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, for BullMQ / ioredis. */
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Sends `PING` over a plain TCP socket; resolves true on `+PONG`, false on anything else or after `timeoutMs`. */
export function pingRedis(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = "";
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG\r\n"));
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(false));
  });
}

/** Starts `redis-server` on a free port without RDB/AOF; `stop()` it when done (test-process exit kills it too). */
export async function startRedis(
  options: { port?: number; startTimeoutMs?: number } = {},
): Promise<RedisServer> {
  const binary = findTool("redis-server");
  const { port, value: svc } = await startOnFreePort(options.port, async (p) => {
    const args = [
      "--port",
      String(p),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      tmpdir(),
    ];
    const s = spawnService(`redis-server:${p}`, binary, args);
    await waitUntilReady(s, () => pingRedis(p), { timeoutMs: options.startTimeoutMs ?? 20_000 });
    return s;
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    output: () => svc.output(),
    stop: () => svc.stop(),
  };
}
