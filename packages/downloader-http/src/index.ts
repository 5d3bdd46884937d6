// Public surface of @crypto-lakehouse/downloader-http.
export { createSdkDownloader, type SdkDownloader } from "./downloader.js";
export { type SdkDownloaderOptions, sdkDownloaderOptionsSchema } from "./options.js";
export { httpDownloader, sdkDownloader } from "./plugin.js";
