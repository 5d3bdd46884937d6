#!/usr/bin/env node
// Entry point of the `lakehouse` binary.
import { main } from "./main.js";

// The AWS SDK warns once per process that Node 20 support ends; it works here and users cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
