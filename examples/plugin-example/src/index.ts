// The plugin module: every exported object with a `kind` is registered (markets, downloaders, storage, executors).
export { umFundingMarket } from "./market.js";
export { createExampleDirStorage, exampleDirStorage } from "./storage.js";
