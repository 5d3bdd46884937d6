// Contract test suites (vitest): every implementation of a plugin interface runs the same suite.

export * from "./downloader.js";
export * from "./storage.js";
