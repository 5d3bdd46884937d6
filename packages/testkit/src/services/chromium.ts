// Real headless Chromium (Debian's package) driven by playwright-core, for tests of web pages such as the HTML
// coverage report. No browser is downloaded: a missing `chromium` fails with the command that installs it.
import { isLakehouseError, LakehouseError } from "@crypto-lakehouse/core";
import { findTool } from "@crypto-lakehouse/replica";
import type { Browser } from "playwright-core";

/** Path of the chromium binary (CHROMIUM_PATH, the tools cache or PATH). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return findTool("chromium", { env });
  } catch (e) {
    if (!isLakehouseError(e, "TOOL_MISSING")) throw e;
    throw new LakehouseError(
      "TOOL_MISSING",
      `${e.message} — or install it alone: apt-get install -y chromium`,
      { details: [...e.details] },
    );
  }
}

/** Launches headless Chromium; close the browser when done. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Containers run as root without user namespaces; the pages tested are our own files.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}
