// Contract test suites (vitest): every implementation of a plugin interface runs the same suite.
export type { ContractArchive, DownloaderContractSetup } from "./downloader.js";
export {
  CONTRACT_BUCKET,
  CONTRACT_DAYS,
  CONTRACT_PRIVATE_BUCKET,
  contractKlineFile,
  contractPageFile,
  describeDownloaderContract,
  startContractArchive,
} from "./downloader.js";
export type { MarketContractOptions } from "./market.js";
export { describeMarketContract } from "./market.js";
export type { StorageContractOptions, StorageContractSetup } from "./storage.js";
export { describeStorageContract } from "./storage.js";
