// The `local` storage plugin: what the apps register to store the lakehouse in a folder.
import type { StoragePlugin } from "@crypto-lakehouse/core";
import {
  type LocalStorageOptions,
  localOptionsFromOutput,
  localStorageOptionsSchema,
  resolveRoot,
} from "./options.js";

export const localStorage: StoragePlugin<LocalStorageOptions> = {
  kind: "storage",
  id: "local",
  description: "Lakehouse in a local folder; every write is atomic (temp file, fsync, rename).",
  optionsSchema: localStorageOptionsSchema,
  fromOutput: (output) => localOptionsFromOutput(output),
  // Queue workers run in another directory: a relative root travels absolute.
  portable: (options) => ({ ...options, root: resolveRoot(options.root) }),
  async create(options, deps) {
    const { createLocalStorage } = await import("./backend.js");
    return createLocalStorage(options, deps);
  },
};
