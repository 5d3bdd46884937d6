// The example storage passes the same contract suite as the built-in backends.
import { rmSync } from "node:fs";
import { describeStorageContract } from "@crypto-lakehouse/testkit/contracts";
import { tempDir } from "../../../apps/cli/test/replica-env.js";
import { createExampleDirStorage } from "../src/storage.js";

describeStorageContract("example-dir", async () => {
  const root = tempDir("lh-example-dir-");
  return {
    storage: createExampleDirStorage({ root }),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});
