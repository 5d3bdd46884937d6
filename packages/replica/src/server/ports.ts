// Finds free TCP ports on 127.0.0.1 for services the tests start.
import { createServer } from "node:net";

// Ports handed out by this process; the OS could hand the same one out twice before the service binds it.
const handedOut = new Set<number>();

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port nobody listens on right now (still racy with other processes: launchers retry on EADDRINUSE). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probe(host);
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found on ${host} after 20 tries`);
}
