// Runs the built `lakehouse` binary as a user would (tests need `pnpm build` first).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";

export const BIN = join(import.meta.dirname, "..", "dist", "bin.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function ensureBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` before the CLI tests`);
}

export async function lakehouse(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<CliResult> {
  ensureBuilt();
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    stripFinalNewline: false,
    cwd: opts.cwd ?? process.cwd(),
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...opts.env },
    timeout: opts.timeout ?? 120_000,
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Starts the CLI without waiting (for kill tests). */
export function startLakehouse(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): ResultPromise {
  ensureBuilt();
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    stripFinalNewline: false,
    cwd: opts.cwd ?? process.cwd(),
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...opts.env },
  });
}
