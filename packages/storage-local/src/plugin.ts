// The `local` storage plugin: what the apps register to store the lakehouse in a folder.
import type { StoragePlugin } from "@crypto-lakehouse/core";
import { createLocalStorage } from "./backend.js";
import { type LocalStorageOptions, localOptionsFromOutput, localStorageOptionsSchema } from "./options.js";

export const localStorage: StoragePlugin<LocalStorageOptions> = {
  kind: "storage",
  id: "local",
  description: "Lakehouse in a local folder; every write is atomic (temp file, fsync, rename).",
  optionsSchema: localStorageOptionsSchema,
  fromOutput: localOptionsFromOutput,
  create: (options, deps) => createLocalStorage(options, deps),
};
