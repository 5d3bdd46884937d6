// Public surface of @crypto-lakehouse/downloader-s5cmd.
export { findS5cmd, INSTALL_HINTS, S5CMD_VERSION } from "./binary.js";
export { createS5cmdDownloader, type S5cmdDownloader } from "./downloader.js";
export { type S5cmdDownloaderOptions, type S5cmdSettings, s5cmdDownloaderOptionsSchema } from "./options.js";
export { s5cmdDownloader } from "./plugin.js";
