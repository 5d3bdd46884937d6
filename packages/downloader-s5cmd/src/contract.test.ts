// The shared downloader contract, run against the s5cmd downloader (batch mode and one process per file).

import { s5cmdPath } from "@crypto-lakehouse/testkit";
import { describeDownloaderContract } from "@crypto-lakehouse/testkit/contracts";
import { createS5cmdDownloader } from "./index.js";

for (const batchMode of [true, false]) {
  describeDownloaderContract(`s5cmd (${batchMode ? "batch mode" : "one process per file"})`, () => {
    // The pinned binary; fails with the install command when it is missing.
    const binary = s5cmdPath();
    return {
      create: (settings) =>
        createS5cmdDownloader({ ...settings, batchMode }, { binary, backoffBaseMs: 5, backoffMaxMs: 50 }),
    };
  });
}
