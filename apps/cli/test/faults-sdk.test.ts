// Network faults between the sdk downloader and the archive (toxiproxy); the cases live in faults.ts.
import { describeCollectFaults } from "./faults.js";

describeCollectFaults("sdk");
