// Runs the shared storage contract suite (testkit) against the local backend.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describeStorageContract } from "@crypto-lakehouse/testkit/contracts";
import { createLocalStorage } from "./index.js";
import { scratch, unwritableRoot } from "./test-util.js";

describeStorageContract("local", async () => {
  const tmp = await scratch();
  // A root that does not exist yet: checkWritable and the first put must create it.
  const storage = createLocalStorage({ root: join(tmp.dir, "lake") });
  return {
    storage,
    cleanup: tmp.dispose,
    async corrupt(key) {
      // Flip the first byte in place, as bit rot or a stray tool would.
      const handle = await open(storage.localPath(key), "r+");
      try {
        const buf = Buffer.alloc(1);
        await handle.read(buf, 0, 1, 0);
        buf[0] = (buf[0] ?? 0) ^ 0xff;
        await handle.write(buf, 0, 1, 0);
      } finally {
        await handle.close();
      }
    },
    unwritable: async () => createLocalStorage({ root: await unwritableRoot(tmp.dir) }),
  };
});
