// `lakehouse collect --output s3://…` end to end: the same cases as a local folder (collect-e2e.ts), the archive
// replica on one versitygw, the lakehouse in a private bucket of a second one, read back over S3 by the test.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type StorageBackend, silentLogger } from "@crypto-lakehouse/core";
import { builtinRegistry } from "@crypto-lakehouse/runtime";
import { startVersitygw, type VersityGw } from "@crypto-lakehouse/testkit";
import { describeCollectE2E, type E2EStorage } from "./collect-e2e.js";
import { tempDir } from "./replica-env.js";

const LAKE = "lake";
const ACCESS_KEY = `lh-access-${randomBytes(6).toString("hex")}`;
const SECRET_KEY = `lh-secret-${randomBytes(12).toString("hex")}`;

/** The lakehouse in `s3://lake/<prefix>` on its own versitygw, credentials only in the environment. */
function versitygwLake(): E2EStorage {
  let gw: VersityGw | undefined;
  // The CLI's TMPDIR: with a remote store, runs stage their downloads under <TMPDIR>/crypto-lakehouse.
  let tmp = "";
  let outputs = 0;
  const saved: Record<string, string | undefined> = {};
  const backends = new Map<string, Promise<StorageBackend>>();
  /** The s3 backend as the CLI builds it (same plugin), to look into the store from the test. */
  const backend = (root: string): Promise<StorageBackend> => {
    const prefix = root.slice(`s3://${LAKE}/`.length);
    let b = backends.get(prefix);
    if (!b) {
      b = builtinRegistry()
        .storages.get("s3")!
        .load()
        .then((s3) => s3.create({ bucket: LAKE, prefix, endpoint: gw!.endpoint }, { logger: silentLogger }));
      backends.set(prefix, b);
    }
    return b;
  };
  return {
    name: `s3://${LAKE}/<prefix>`,
    async start() {
      gw = await startVersitygw({
        root: join(tempDir("lh-lake-"), "root"),
        buckets: [LAKE],
        accessKey: ACCESS_KEY,
        secretKey: SECRET_KEY,
      });
      tmp = tempDir("lh-s3tmp-");
      const aws = {
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        AWS_ENDPOINT_URL_S3: gw.endpoint,
        AWS_REGION: "us-east-1",
      };
      // What a user exports; the test's own S3 reads take their credentials from it too (the SDK's chain).
      for (const [k, v] of Object.entries(aws)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      return { ...aws, TMPDIR: tmp };
    },
    async stop() {
      await Promise.allSettled([...backends.values()].map(async (b) => (await b).close?.()));
      await gw?.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
    output: () => `s3://${LAKE}/e2e-${++outputs}`,
    async keys(root, prefix) {
      const out: string[] = [];
      for await (const o of (await backend(root)).list(prefix)) out.push(o.key);
      return out;
    },
    read: async (root, key) => (await backend(root)).read(key),
    stagingDir: () => join(tmp, "crypto-lakehouse"),
    // Refused when the run checks the store, before any download.
    unwritable: {
      output: "s3://lh-no-such-bucket/lake",
      code: 1,
      stderr: /Bucket of s3:\/\/lh-no-such-bucket\/lake does not exist/,
    },
  };
}

describeCollectE2E("sdk", { storage: versitygwLake() });
