// The `s3` storage plugin: what the apps register to keep the lakehouse in an S3 bucket (`--output s3://…`).
// Light to import: the AWS SDK loads when a backend is created.
import type { StoragePlugin } from "@crypto-lakehouse/core";
import { type S3StorageOptions, s3OptionsFromOutput, s3StorageOptionsSchema } from "./options.js";

export const s3Storage: StoragePlugin<S3StorageOptions> = {
  kind: "storage",
  id: "s3",
  description:
    "Lakehouse in an S3 bucket (AWS or S3-compatible): atomic puts, multipart uploads, credentials from the AWS chain.",
  optionsSchema: s3StorageOptionsSchema,
  // part_size_mb is a top-level setting of the specification; the S3 backend takes it as an option.
  fromOutput(output, settings) {
    const options = s3OptionsFromOutput(output);
    return options && settings?.partSizeMb !== undefined
      ? { ...options, partSizeMb: settings.partSizeMb }
      : options;
  },
  async create(options, deps) {
    const { createS3Storage } = await import("./backend.js");
    return createS3Storage(options, deps);
  },
};
