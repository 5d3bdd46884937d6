// `lakehouse collect` end to end with the default downloader (sdk); the cases live in collect-e2e.ts.
import { describeCollectE2E } from "./collect-e2e.js";

describeCollectE2E("sdk");
