// Errors about the s5cmd invocation itself (not a file): bad s5cmd_extra_args, a binary that cannot start.
import { LakehouseError } from "@crypto-lakehouse/core";

/** s5cmd rejected its command line: almost always s5cmd_extra_args. */
export function usageProblem(textTail: readonly string[]): LakehouseError | undefined {
  const line = textTail.find((l) =>
    /Incorrect Usage|flag provided but not defined|flag needs an argument/i.test(l),
  );
  if (!line) return undefined;
  return new LakehouseError("CONFIG_INVALID", `s5cmd rejected its arguments: ${line.trim()}`, {
    details: ["check s5cmd_extra_args: only global s5cmd flags are allowed there (see `s5cmd --help`)"],
  });
}
