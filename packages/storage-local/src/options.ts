// Options of the local storage plugin, and how an `--output` value maps onto them.
import { homedir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LakehouseError } from "@crypto-lakehouse/core";
// zod as a namespace: the CLI's bundler then keeps only the parts used (apps/cli/bundle.mjs).
import * as z from "zod";

export const localStorageOptionsSchema = z.strictObject({
  /** Folder holding the lakehouse (bronze/, silver/, gold/, _meta/); created on first write. */
  root: z.string().min(1, "give the folder that holds the lakehouse, e.g. ./lake"),
});
export type LocalStorageOptions = z.infer<typeof localStorageOptionsSchema>;

/** Any `scheme://` except `file://` belongs to another backend (`s3://…`). */
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Plain paths and `file://` URLs become `{ root }`; other URLs are left to the backends that own them. */
export function localOptionsFromOutput(output: string): LocalStorageOptions | undefined {
  if (output === "") return undefined;
  if (!URL_WITH_SCHEME.test(output)) return { root: output };
  if (!/^file:/i.test(output)) return undefined;
  try {
    return { root: fileURLToPath(output) };
  } catch (e) {
    throw new LakehouseError("CONFIG_INVALID", `Invalid file URL for --output: ${output}`, {
      cause: e,
      details: ["Use file:///absolute/path (no host) or a plain path."],
    });
  }
}

/** Absolute root: `~` expands to the home folder (config files don't get shell expansion), relative to cwd. */
export function resolveRoot(root: string): string {
  if (root === "~") return homedir();
  if (root.startsWith("~/")) return resolve(homedir(), root.slice(2));
  return resolve(root);
}
