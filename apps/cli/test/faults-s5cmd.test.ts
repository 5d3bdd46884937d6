// Network faults between the s5cmd downloader (the real binary) and the archive (toxiproxy); cases in faults.ts.
import { s5cmdPath } from "@crypto-lakehouse/testkit";
import { describeCollectFaults } from "./faults.js";

describeCollectFaults("s5cmd", { env: () => ({ S5CMD_PATH: s5cmdPath() }) });
