// The plugin module: every exported object with a `kind` is registered (markets, downloaders, storage, executors).
export { createJournalExecutor, type JournalExecutorOptions, journalExecutor } from "./executor.js";
export { umFundingMarket } from "./market.js";
export { createExampleDirStorage, exampleDirStorage } from "./storage.js";
