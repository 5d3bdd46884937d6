// Public surface of @crypto-lakehouse/downloader-sdk.
export { createSdkDownloader, type SdkDownloader, sdkDownloader } from "./downloader.js";
export { type SdkDownloaderOptions, sdkDownloaderOptionsSchema } from "./options.js";
