// Exit codes: 0 success, 1 something failed (downloads, network), 2 bad input, 3 not enough local disk space for
// what a run would download (nothing was downloaded). Messages on stderr, no stack.
import { INPUT_ERROR_CODES, isLakehouseError } from "@crypto-lakehouse/core/errors";
import { redactUrlsIn } from "@crypto-lakehouse/core/redact";
import { CommanderError } from "commander";

export const EXIT = { ok: 0, failed: 1, input: 2, noSpace: 3 } as const;

export class CliUsageError extends Error {}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.input;
  // Messages may quote a URL the user gave: its credentials are masked here whatever produced the message.
  if (e instanceof CliUsageError) {
    process.stderr.write(`Error: ${redactUrlsIn(e.message)}\n`);
    return EXIT.input;
  }
  if (isLakehouseError(e)) {
    process.stderr.write(`Error: ${redactUrlsIn(e.describe())}\n`);
    if (e.code === "NO_SPACE") return EXIT.noSpace;
    return INPUT_ERROR_CODES.has(e.code) ? EXIT.input : EXIT.failed;
  }
  const err = e as Error;
  process.stderr.write(`Error: ${redactUrlsIn(err?.message ?? String(e))}\n`);
  if (process.env.LAKEHOUSE_DEBUG) process.stderr.write(`${redactUrlsIn(String(err?.stack))}\n`);
  return EXIT.failed;
}
