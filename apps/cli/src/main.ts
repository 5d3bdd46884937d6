// The `lakehouse` program: global options and the sub-commands.
import { Command, Option } from "commander";
import { registerCancel } from "./commands/cancel.js";
import { registerChanges } from "./commands/changes.js";
import { registerCollect } from "./commands/collect.js";
import { registerCoverage } from "./commands/coverage.js";
import { registerGold } from "./commands/gold.js";
import { registerMatrix } from "./commands/matrix.js";
import { registerPlan } from "./commands/plan.js";
import { registerReplica } from "./commands/replica.js";
import { registerRuns } from "./commands/runs.js";
import { registerSilver } from "./commands/silver.js";
import { registerSql } from "./commands/sql.js";
import { registerSymbols } from "./commands/symbols.js";
import { registerSync } from "./commands/sync.js";
import { registerVerify } from "./commands/verify.js";
import { reportError } from "./errors.js";

export const VERSION = "0.1.0";

export function buildProgram(): Command {
  const program = new Command("lakehouse")
    .description("Collect Binance's public market-data archive into a verified, resumable lakehouse.")
    .version(VERSION)
    .option("-v, --verbose", "debug logging")
    .option("-q, --quiet", "only errors")
    .addOption(
      new Option("--log-format <format>", "log format (default: pretty on a TTY, json otherwise)").choices([
        "json",
        "pretty",
      ]),
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerMatrix(program);
  registerPlan(program);
  registerCollect(program);
  registerSync(program);
  registerSilver(program);
  registerSql(program);
  registerGold(program);
  registerSymbols(program);
  registerCoverage(program);
  registerReplica(program);
  registerVerify(program);
  registerRuns(program);
  registerChanges(program);
  registerCancel(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}
