// Contract test suites (vitest): every implementation of a plugin interface runs the same suite.
export * from "./storage.js";
