#!/usr/bin/env node
// Entry point of the `lakehouse` binary.
import { main } from "./main.js";

// The AWS SDK warns once per process that Node 20 support ends; it works here and users cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

let settled = false;
// Node exits quietly with code 0 when nothing is left to wait on, even mid-command (a promise that can no longer
// settle). A command that stops that way must not look like a success.
process.on("beforeExit", () => {
  if (settled) return;
  process.stderr.write(
    "lakehouse: internal error: the command stopped before finishing (nothing left to wait on). " +
      "Nothing was marked done that was not; run the same command again to resume, and please report this.\n",
  );
  process.exitCode = 70;
});

main(process.argv.slice(2)).then((code) => {
  settled = true;
  process.exitCode = code;
});
