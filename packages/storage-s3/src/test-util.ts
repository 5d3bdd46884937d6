// Test helpers: a versitygw with a private bucket, credentials exported the way users give them (env).
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVersitygw, type VersityGw } from "@crypto-lakehouse/testkit";

export const BUCKET = "lakehouse-test";

export interface S3TestEnv {
  gw: VersityGw;
  dir: string;
  /** Where versitygw keeps `key` of BUCKET on disk (posix backend), to damage it behind the server's back. */
  pathOf(objectKey: string): string;
  dispose(): Promise<void>;
}

/** Starts versitygw with BUCKET and puts its keys into AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of this process. */
export async function startS3(): Promise<S3TestEnv> {
  const dir = await mkdtemp(join(tmpdir(), "lakehouse-storage-s3-"));
  const secret = `secret-${randomBytes(12).toString("hex")}`;
  const accessKey = `access-${randomBytes(6).toString("hex")}`;
  const gw = await startVersitygw({
    root: join(dir, "root"),
    buckets: [BUCKET],
    accessKey,
    secretKey: secret,
    etags: "none",
  });
  process.env.AWS_ACCESS_KEY_ID = gw.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = gw.secretKey;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  return {
    gw,
    dir,
    pathOf: (objectKey) => join(gw.root, BUCKET, ...objectKey.split("/")),
    async dispose() {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Flips the first byte of a file in place. */
export async function flipFirstByte(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, 0);
    buf[0] = (buf[0] ?? 0) ^ 0xff;
    await handle.write(buf, 0, 1, 0);
  } finally {
    await handle.close();
  }
}
