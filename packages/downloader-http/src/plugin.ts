// The `http` downloader plugin object (formerly `sdk`, still accepted), light to import: the AWS SDK and undici
// load only when a run creates the downloader.
import type { DownloaderPlugin } from "@crypto-lakehouse/core";
import { type SdkDownloaderOptions, sdkDownloaderOptionsSchema } from "./options.js";

export const httpDownloader: DownloaderPlugin<SdkDownloaderOptions> = {
  kind: "downloader",
  id: "http",
  description:
    "Downloads over keep-alive HTTP (undici), lists with the AWS SDK: anonymous, streaming, hashed in flight (the default; 'sdk' is its old name).",
  optionsSchema: sdkDownloaderOptionsSchema,
  async create(settings, options, deps) {
    const { createSdkDownloader } = await import("./downloader.js");
    return createSdkDownloader(settings, options, deps);
  },
};

/** The same plugin under its old export name. */
export const sdkDownloader = httpDownloader;
