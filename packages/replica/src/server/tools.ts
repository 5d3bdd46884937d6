// Locates the real service binaries (versitygw, s5cmd, toxiproxy, redis, chromium) the tests and benchmarks run.
import { accessSync, constants, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { LakehouseError } from "@crypto-lakehouse/core";

export type ToolName = "versitygw" | "s5cmd" | "toxiproxy-server" | "redis-server" | "chromium";

/** The command that installs every tool; quoted in every TOOL_MISSING message. */
export const SETUP_COMMAND = "bash scripts/setup-services.sh";

/** Environment variable that pins each tool to an exact file (wins over everything else). */
export const TOOL_ENV_VARS: Readonly<Record<ToolName, string>> = {
  versitygw: "VERSITYGW_PATH",
  s5cmd: "S5CMD_PATH",
  "toxiproxy-server": "TOXIPROXY_PATH",
  "redis-server": "REDIS_SERVER_PATH",
  chromium: "CHROMIUM_PATH",
};

export interface FindToolOptions {
  /** Defaults to `process.env`; tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

/** `${CRYPTO_LAKEHOUSE_TOOLS:-~/.cache/crypto-lakehouse/tools}/bin`, where setup-services.sh installs. */
export function toolsBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.CRYPTO_LAKEHOUSE_TOOLS || join(homedir(), ".cache", "crypto-lakehouse", "tools");
  return join(root, "bin");
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of a tool: the env override, else the tools cache, else PATH.
 * Throws TOOL_MISSING (naming the install command) when none has it. A set override that points nowhere is an
 * error rather than a fallback, so a typo never silently runs a different binary.
 */
export function findTool(name: ToolName, options: FindToolOptions = {}): string {
  const env = options.env ?? process.env;
  const envVar = TOOL_ENV_VARS[name];
  const override = env[envVar];
  if (override) {
    if (isExecutableFile(override)) return override;
    throw new LakehouseError(
      "TOOL_MISSING",
      `${name} not found: ${envVar}=${override} is not an executable file; fix or unset ${envVar}, or run: ${SETUP_COMMAND}`,
    );
  }
  const looked: string[] = [];
  const cached = join(toolsBinDir(env), name);
  looked.push(cached);
  if (isExecutableFile(cached)) return cached;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    looked.push(candidate);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new LakehouseError(
    "TOOL_MISSING",
    `${name} not found (looked in ${envVar}, the tools cache ${toolsBinDir(env)} and PATH); run: ${SETUP_COMMAND}`,
    { details: [`looked at: ${looked.join(", ")}`] },
  );
}
