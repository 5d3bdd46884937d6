// DI tokens. Only the apps' composition roots register against them; plugins never import a container.
export const TOKENS = {
  Config: Symbol.for("crypto-lakehouse.config"),
  Logger: Symbol.for("crypto-lakehouse.logger"),
  Market: Symbol.for("crypto-lakehouse.market"),
  DownloaderPlugin: Symbol.for("crypto-lakehouse.downloader-plugin"),
  StoragePlugin: Symbol.for("crypto-lakehouse.storage-plugin"),
  ExecutorPlugin: Symbol.for("crypto-lakehouse.executor-plugin"),
  Catalog: Symbol.for("crypto-lakehouse.catalog"),
  Downloader: Symbol.for("crypto-lakehouse.downloader"),
  Storage: Symbol.for("crypto-lakehouse.storage"),
  Executor: Symbol.for("crypto-lakehouse.executor"),
} as const;
