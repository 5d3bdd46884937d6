// Public surface: the `local` storage plugin, its factory, and the temp-file cleanup helper.
export { createLocalStorage, type LocalStorageBackend } from "./backend.js";
export { type CleanupTempOptions, type CleanupTempResult, cleanupTemp } from "./cleanup.js";
export { isTempName } from "./keys.js";
export { type LocalStorageOptions, localOptionsFromOutput, localStorageOptionsSchema } from "./options.js";
export { localStorage } from "./plugin.js";
