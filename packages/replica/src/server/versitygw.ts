// Starts a real versitygw S3 server (posix backend) on 127.0.0.1 with buckets, public-read buckets and MD5 ETags.
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { S3ServiceException } from "@aws-sdk/client-s3";
import { LakehouseError } from "@crypto-lakehouse/core";
import { outputTail, type ServiceProcess, spawnService, startOnFreePort, waitUntilReady } from "./process.js";
import { findTool } from "./tools.js";
import { adoptBucketDir, type StampEtagsResult, stampEtags } from "./versitygw-meta.js";

export interface VersityGwOptions {
  /** Directory whose subdirectories are the buckets (created if missing). */
  root: string;
  /** Buckets to have (private: signed requests only). Existing directories are adopted, others created. */
  buckets?: string[];
  /** Buckets anyone may read without credentials (GetObject + ListBucket, V1 and V2), e.g. `data.binance.vision`. */
  publicReadBuckets?: string[];
  accessKey?: string;
  secretKey?: string;
  /** Fixed port; by default a free one. */
  port?: number;
  /** Sidecar metadata directory (ETags, ACLs, policies); default `.vgw-meta-<name of root>` beside root. */
  metaDir?: string;
  /** "md5" (default): give plain files under the buckets their S3-style MD5 ETag at startup. */
  etags?: "md5" | "none";
  startTimeoutMs?: number;
}

export interface S3ClientSettings {
  endpoint: string;
  region: "us-east-1";
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface VersityGw {
  /** `http://127.0.0.1:PORT`, path-style: `${endpoint}/${bucket}/${key}`. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: "us-east-1";
  port: number;
  root: string;
  metaDir: string;
  /** Ready-made settings for `new S3Client({ ...gw.clientSettings, requestChecksumCalculation: "WHEN_REQUIRED" })`. */
  clientSettings: S3ClientSettings;
  /** Give files written on disk after startup their MD5 ETag (files already stamped and unchanged are skipped). */
  stampEtags(bucket: string, prefix?: string): Promise<StampEtagsResult>;
  /** The gateway's captured stdout/stderr. */
  output(): string;
  stop(): Promise<void>;
}

const DEFAULT_ACCESS_KEY = "lakehouse-test";
const DEFAULT_SECRET_KEY = "lakehouse-test-secret";
/** Bucket names cannot start with "_", so this health path never shadows a bucket. */
const HEALTH_PATH = "/_health";

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:GetObject", "s3:ListBucket"],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

async function launch(
  binary: string,
  opts: {
    root: string;
    metaDir: string;
    accessKey: string;
    secretKey: string;
    port: number;
    timeoutMs: number;
  },
): Promise<ServiceProcess> {
  const args = [
    "--access",
    opts.accessKey,
    "--secret",
    opts.secretKey,
    "--port",
    `127.0.0.1:${opts.port}`,
    "--health",
    HEALTH_PATH,
    "--quiet",
    "posix",
    "--sidecar",
    opts.metaDir,
    opts.root,
  ];
  const svc = spawnService(`versitygw:${opts.port}`, binary, args);
  await waitUntilReady(
    svc,
    async () => (await fetch(`http://127.0.0.1:${opts.port}${HEALTH_PATH}`)).status === 200,
    { timeoutMs: opts.timeoutMs },
  );
  return svc;
}

/** Creates the buckets that are not there yet and opens the public ones to anonymous reads. */
async function prepareBuckets(
  clientSettings: S3ClientSettings,
  missing: readonly string[],
  publicBuckets: readonly string[],
): Promise<void> {
  // Loaded here, not at module top: importing the replica for the generator alone should not pay for the SDK.
  const { CreateBucketCommand, PutBucketPolicyCommand, S3Client } = await import("@aws-sdk/client-s3");
  const s3 = new S3Client({ ...clientSettings, requestChecksumCalculation: "WHEN_REQUIRED", maxAttempts: 1 });
  try {
    for (const bucket of missing) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (e) {
        if ((e as S3ServiceException).name !== "BucketAlreadyOwnedByYou") throw e;
      }
    }
    for (const bucket of publicBuckets) {
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
    }
  } finally {
    s3.destroy();
  }
}

/** Starts versitygw and prepares its buckets; `stop()` it when done (test-process exit kills it too). */
export async function startVersitygw(opts: VersityGwOptions): Promise<VersityGw> {
  const binary = findTool("versitygw");
  const root = resolve(opts.root);
  // Not "<root>.meta": versitygw 1.8.0 rejects any sidecar path that merely starts with the root path string.
  const metaDir = resolve(opts.metaDir ?? join(dirname(root), `.vgw-meta-${basename(root)}`));
  if (metaDir.startsWith(root)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `versitygw metaDir ${metaDir} starts with root ${root}; versitygw refuses that, choose a metaDir outside root`,
    );
  }
  const accessKey = opts.accessKey ?? DEFAULT_ACCESS_KEY;
  const secretKey = opts.secretKey ?? DEFAULT_SECRET_KEY;
  const publicBuckets = [...new Set(opts.publicReadBuckets ?? [])];
  const allBuckets = [...new Set([...(opts.buckets ?? []), ...publicBuckets])];
  await mkdir(root, { recursive: true });
  await mkdir(metaDir, { recursive: true });

  const missing: string[] = [];
  for (const bucket of allBuckets) {
    if (await isDirectory(resolve(root, bucket))) await adoptBucketDir(metaDir, bucket, accessKey);
    else missing.push(bucket);
  }

  const timeoutMs = opts.startTimeoutMs ?? 20_000;
  const { port, value: service } = await startOnFreePort(opts.port, (p) =>
    launch(binary, { root, metaDir, accessKey, secretKey, port: p, timeoutMs }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const clientSettings: S3ClientSettings = {
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  };

  try {
    await prepareBuckets(clientSettings, missing, publicBuckets);
    if ((opts.etags ?? "md5") === "md5") {
      for (const bucket of allBuckets) await stampEtags(root, metaDir, bucket);
    }
    for (const bucket of publicBuckets) {
      // Prove the policy took: an unsigned listing must succeed, or the tests built on it would mislead.
      const res = await fetch(`${endpoint}/${bucket}?list-type=2&max-keys=1`);
      if (res.status !== 200) {
        throw new Error(`anonymous ListObjectsV2 on ${bucket} answered ${res.status}: ${await res.text()}`);
      }
    }
  } catch (e) {
    await service.stop();
    const message = e instanceof Error ? e.message : String(e);
    throw new LakehouseError(
      "INTERNAL",
      `versitygw at ${endpoint} (root ${root}) could not be prepared: ${message}`,
      {
        cause: e,
        details: outputTail(service),
      },
    );
  }

  return {
    endpoint,
    accessKey,
    secretKey,
    region: "us-east-1",
    port,
    root,
    metaDir,
    clientSettings,
    stampEtags: (bucket, prefix) => stampEtags(root, metaDir, bucket, prefix),
    output: () => service.output(),
    stop: () => service.stop(),
  };
}
