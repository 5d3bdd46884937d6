// Public surface of @crypto-lakehouse/downloader-http.
export { createSdkDownloader, type SdkDownloader, sdkDownloader } from "./downloader.js";
export { type SdkDownloaderOptions, sdkDownloaderOptionsSchema } from "./options.js";
