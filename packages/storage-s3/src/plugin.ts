// The `s3` storage plugin: what the apps register to keep the lakehouse in an S3 bucket (`--output s3://…`).
import type { StoragePlugin } from "@crypto-lakehouse/core";
import { createS3Storage } from "./backend.js";
import { type S3StorageOptions, s3OptionsFromOutput, s3StorageOptionsSchema } from "./options.js";

export const s3Storage: StoragePlugin<S3StorageOptions> = {
  kind: "storage",
  id: "s3",
  description:
    "Lakehouse in an S3 bucket (AWS or S3-compatible): atomic puts, multipart uploads, credentials from the AWS chain.",
  optionsSchema: s3StorageOptionsSchema,
  fromOutput: s3OptionsFromOutput,
  create: (options, deps) => createS3Storage(options, deps),
};
