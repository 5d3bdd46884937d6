// The plugin module: every exported object with a `kind` is registered (markets, downloaders, storage, executors).
export {
  cancelJournalRun,
  createJournalExecutor,
  type JournalExecutorOptions,
  journalExecutor,
  journalRuns,
} from "./executor.js";
export { umFundingMarket } from "./market.js";
export { createExampleDirStorage, exampleDirStorage } from "./storage.js";
