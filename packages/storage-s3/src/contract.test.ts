// Runs the shared storage contract suite (testkit) against the s3 backend on a real versitygw.
import { describeStorageContract } from "@crypto-lakehouse/testkit/contracts";
import { createS3Storage } from "./index.js";
import { BUCKET, flipFirstByte, startS3 } from "./test-util.js";

describeStorageContract(
  "s3 (versitygw)",
  async () => {
    const env = await startS3();
    const prefix = "lake/contract-suite";
    // Credentials from the environment (the SDK's default chain), as a user would give them.
    const storage = createS3Storage({ bucket: BUCKET, prefix, endpoint: env.gw.endpoint, partSizeMb: 5 });
    return {
      storage,
      cleanup: env.dispose,
      corrupt: (key) => flipFirstByte(env.pathOf(`${prefix}/${key}`)),
      // Wrong secret for the right access key: the store answers SignatureDoesNotMatch.
      unwritable: async () =>
        createS3Storage({ bucket: BUCKET, prefix, endpoint: env.gw.endpoint }, undefined, {
          credentials: { accessKeyId: env.gw.accessKey, secretAccessKey: "not-the-secret" },
        }),
    };
  },
  // Five 5 MiB parts: the multipart path, kept small for the test budget.
  { largeFileBytes: 24 * 1024 * 1024 },
);
