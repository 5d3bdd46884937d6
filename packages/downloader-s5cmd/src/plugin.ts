// The `s5cmd` downloader plugin object, light to import: the downloader itself loads when a run creates one.
import type { DownloaderPlugin } from "@crypto-lakehouse/core";
import { S5CMD_CONFIG_KEYS, type S5cmdDownloaderOptions, s5cmdDownloaderOptionsSchema } from "./options.js";

export const s5cmdDownloader: DownloaderPlugin<S5cmdDownloaderOptions> = {
  kind: "downloader",
  id: "s5cmd",
  description: "Runs the s5cmd binary (v2): one `s5cmd run` of cp commands per batch; needs s5cmd installed.",
  optionsSchema: s5cmdDownloaderOptionsSchema,
  configKeys: S5CMD_CONFIG_KEYS,
  async create(settings, options, deps) {
    const { createS5cmdDownloader } = await import("./downloader.js");
    return createS5cmdDownloader(settings, options, deps);
  },
};
