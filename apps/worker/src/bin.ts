#!/usr/bin/env node
// Entry point of the `lakehouse-worker` binary.
import { main } from "./main.js";

// The AWS SDK warns once per process that Node 20 support ends; it works here and operators cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Keep-alive sockets or timers left by plugins must not keep a stopped worker alive.
  setTimeout(() => process.exit(code), 2_000).unref();
});
