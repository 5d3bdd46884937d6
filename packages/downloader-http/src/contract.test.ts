// The shared downloader contract, run against the sdk downloader (both transports) and a real versitygw.
import { describeDownloaderContract } from "@crypto-lakehouse/testkit/contracts";
import { createSdkDownloader } from "./index.js";

for (const transport of ["http", "sdk"] as const) {
  describeDownloaderContract(`sdk (transport ${transport})`, () => ({
    create: (settings) => createSdkDownloader(settings, { transport, backoffBaseMs: 5, backoffMaxMs: 50 }),
  }));
}
