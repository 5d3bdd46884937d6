// The CommonJS libraries this downloader runs on (undici, the AWS SDK), loaded with require(). Imported from an
// ES module instead, Node 20 runs its CommonJS lexer over each of their ~140 files: ~100 ms more CPU at the start
// of every run that creates this downloader (it loads with the run, see plugin.ts).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const undici = require("undici") as typeof import("undici");
export const clientS3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
export const httpHandler = require("@smithy/node-http-handler") as typeof import("@smithy/node-http-handler");
