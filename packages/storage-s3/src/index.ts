// Public surface: the `s3` storage plugin, its factory and options.
export {
  createS3Storage,
  type IncompleteUpload,
  type S3StorageBackend,
  type S3StorageOverrides,
} from "./backend.js";
export { scrub } from "./errors.js";
export {
  DEFAULT_PART_SIZE_MB,
  DEFAULT_QUEUE_SIZE,
  type ResolvedS3Options,
  resolveS3Options,
  type S3StorageOptions,
  s3OptionsFromOutput,
  s3StorageOptionsSchema,
} from "./options.js";
export { s3Storage } from "./plugin.js";
