// The S3 StorageBackend: objects under `s3://bucket/prefix/`, atomic puts (PutObject or a completed multipart
// upload), paginated listing, sha256 kept as object metadata, credentials only from the SDK's default chain.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  LakehouseError,
  META,
  type PluginDeps,
  type PutOptions,
  type PutSource,
  type StorageBackend,
  type StoredObject,
  silentLogger,
} from "@crypto-lakehouse/core";
import { isNotFound, s3Error } from "./errors.js";
import { KeyMapper } from "./keys.js";
import { type ResolvedS3Options, redactUrl, resolveS3Options, type S3StorageOptions } from "./options.js";

export interface S3StorageBackend extends StorageBackend {
  readonly id: "s3";
  readonly bucket: string;
  /** Normalised key prefix ("" for the bucket root). */
  readonly prefix: string;
  /**
   * Aborts multipart uploads under the prefix that a killed run left behind (invisible, but billed on AWS).
   * Only those started more than `olderThanMs` ago (default 24 h), so uploads in flight elsewhere survive.
   */
  abortIncompleteUploads(options?: { olderThanMs?: number }): Promise<number>;
  /** Multipart uploads under the prefix not completed (yet): in flight here or elsewhere, or left by a killed run. */
  listIncompleteUploads(): AsyncIterable<IncompleteUpload>;
}

export interface IncompleteUpload {
  /** Storage key (under the prefix) the upload would complete to. */
  key: string;
  uploadId: string;
  initiated?: Date;
}

/** Programmatic-only settings: never part of the (serializable) options, so never in queue jobs or `_meta/`. */
export interface S3StorageOverrides {
  /** Credentials or a provider instead of the SDK's default chain (e.g. a specific profile, or tests). */
  credentials?: S3ClientConfig["credentials"];
  /** Objects per ListObjectsV2 page (default 1000, the S3 maximum). */
  listPageSize?: number;
}

/** Last region fallback when neither options, env nor profile name one (S3-compatible stores ignore it). */
const FALLBACK_REGION = "us-east-1";

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, "");
}

class S3Storage implements S3StorageBackend {
  readonly kind = "storage" as const;
  readonly id = "s3" as const;
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly keys: KeyMapper;
  private readonly endpointForMessages: string | undefined;
  private client: Promise<S3Client> | undefined;

  constructor(
    private readonly opts: ResolvedS3Options,
    private readonly overrides: S3StorageOverrides = {},
  ) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
    this.location = `s3://${opts.bucket}${opts.prefix ? `/${opts.prefix}` : ""}`;
    this.keys = new KeyMapper(opts.prefix);
    this.endpointForMessages = opts.endpoint ? redactUrl(opts.endpoint) : undefined;
  }

  /** Built on first use: the region may come from the profile, which the SDK reads asynchronously. */
  private s3(): Promise<S3Client> {
    this.client ??= (async () => {
      let region = this.opts.region;
      if (!region) {
        const probe = new S3Client({});
        region = await probe.config.region().catch(() => FALLBACK_REGION);
        probe.destroy();
      }
      return new S3Client({
        region,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : { followRegionRedirects: true }),
        forcePathStyle: this.opts.forcePathStyle,
        ...(this.overrides.credentials ? { credentials: this.overrides.credentials } : {}),
        // Some S3-compatible servers store aws-chunked framing as data when the SDK adds checksums it need not.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
    })();
    return this.client;
  }

  private where(key?: string): string {
    return key === undefined ? this.location : `${this.location}/${key}`;
  }

  private fail(e: unknown, action: string, key?: string): LakehouseError {
    return s3Error(e, {
      action,
      where: this.where(key),
      location: this.location,
      ...(this.endpointForMessages ? { endpoint: this.endpointForMessages } : {}),
    });
  }

  async checkWritable(): Promise<void> {
    const probe = `${META}/.write-probe-${randomBytes(8).toString("hex")}`;
    const Key = this.keys.objectKey(probe);
    try {
      const client = await this.s3();
      await client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: Buffer.alloc(0), ContentLength: 0 }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      // Named by location only: the probe's key means nothing to the user.
      throw this.fail(e, "writing to");
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const Key = this.keys.objectKey(key);
    try {
      const out = await (await this.s3()).send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
        ...(out.ETag ? { etag: unquote(out.ETag)! } : {}),
        ...(out.Metadata ? { metadata: { ...out.Metadata } } : {}),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, "reading the attributes of", key);
    }
  }

  async put(key: string, source: PutSource, options: PutOptions = {}): Promise<StoredObject> {
    const Key = this.keys.objectKey(key);
    const common = {
      Bucket: this.bucket,
      Key,
      ...(options.metadata ? { Metadata: options.metadata } : {}),
      ...(options.contentType ? { ContentType: options.contentType } : {}),
    };
    try {
      const client = await this.s3();
      if ("data" in source) {
        const body = typeof source.data === "string" ? Buffer.from(source.data, "utf8") : source.data;
        const out = await client.send(
          new PutObjectCommand({ ...common, Body: body, ContentLength: body.length }),
        );
        return { key, size: body.length, ...(out.ETag ? { etag: unquote(out.ETag)! } : {}) };
      }
      const size = await sourceSize(key, source.path);
      // Up to one part: a single PutObject of a buffered part (retry-safe); larger: multipart, completed
      // only once every part is in, so the object appears whole or not at all.
      const upload = new Upload({
        client,
        params: { ...common, Body: createReadStream(source.path, { highWaterMark: 1024 * 1024 }) },
        partSize: this.opts.partSizeBytes,
        queueSize: this.opts.queueSize,
        leavePartsOnError: false,
      });
      const out = await upload.done();
      return { key, size, ...(out.ETag ? { etag: unquote(out.ETag)! } : {}) };
    } catch (e) {
      throw this.fail(e, "storing", key);
    }
  }

  async get(key: string): Promise<Readable> {
    const Key = this.keys.objectKey(key);
    try {
      const out = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return out.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new LakehouseError("NOT_FOUND", `No object ${key} in ${this.location}`);
      throw this.fail(e, "reading", key);
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    const Key = this.keys.objectKey(key);
    try {
      const out = await (await this.s3()).send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const bytes = await out.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, "reading", key);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const Prefix = this.keys.objectPrefix(prefix);
    const client = await this.s3();
    let ContinuationToken: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix,
            ...(this.overrides.listPageSize ? { MaxKeys: this.overrides.listPageSize } : {}),
            ...(ContinuationToken ? { ContinuationToken } : {}),
          }),
        );
      } catch (e) {
        throw this.fail(e, "listing", prefix);
      }
      for (const o of page.Contents ?? []) {
        // Folder markers ("a/") are not objects of the lakehouse.
        if (!o.Key || o.Key.endsWith("/")) continue;
        yield {
          key: this.keys.storageKey(o.Key),
          size: o.Size ?? 0,
          ...(o.LastModified ? { lastModified: o.LastModified } : {}),
          ...(o.ETag ? { etag: unquote(o.ETag)! } : {}),
        };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string): Promise<void> {
    const Key = this.keys.objectKey(key);
    try {
      await (await this.s3()).send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      if (isNotFound(e)) return;
      throw this.fail(e, "deleting", key);
    }
  }

  async *listIncompleteUploads(): AsyncIterable<IncompleteUpload> {
    const client = await this.s3();
    const Prefix = this.keys.objectPrefix("");
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix,
            ...(KeyMarker ? { KeyMarker } : {}),
            ...(UploadIdMarker ? { UploadIdMarker } : {}),
          }),
        );
      } catch (e) {
        throw this.fail(e, "listing incomplete uploads in");
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        yield {
          key: this.keys.storageKey(u.Key),
          uploadId: u.UploadId,
          ...(u.Initiated ? { initiated: u.Initiated } : {}),
        };
      }
      const more = page.IsTruncated && (page.NextKeyMarker || page.NextUploadIdMarker);
      KeyMarker = more ? page.NextKeyMarker : undefined;
      UploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker || UploadIdMarker);
  }

  async abortIncompleteUploads(options: { olderThanMs?: number } = {}): Promise<number> {
    const cutoff = Date.now() - (options.olderThanMs ?? 24 * 3_600_000);
    const stale: IncompleteUpload[] = [];
    for await (const u of this.listIncompleteUploads()) {
      if (!u.initiated || u.initiated.getTime() <= cutoff) stale.push(u);
    }
    const client = await this.s3();
    for (const u of stale) {
      try {
        await client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.bucket,
            Key: this.keys.objectKey(u.key),
            UploadId: u.uploadId,
          }),
        );
      } catch (e) {
        if (!isNotFound(e)) throw this.fail(e, "aborting an incomplete upload of", u.key);
      }
    }
    return stale.length;
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    client?.destroy();
    this.client = undefined;
  }
}

async function sourceSize(key: string, path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    throw new LakehouseError(
      "STORAGE_FAILED",
      `Cannot store ${key}: source file ${path} cannot be read (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
}

/** S3 storage from options plus the environment (endpoint, region); credentials come from the SDK's chain. */
export function createS3Storage(
  options: S3StorageOptions,
  deps?: Partial<PluginDeps>,
  overrides?: S3StorageOverrides,
): S3StorageBackend {
  const resolved = resolveS3Options(options);
  const storage = new S3Storage(resolved, overrides);
  (deps?.logger ?? silentLogger).debug("s3 storage", {
    location: storage.location,
    ...(resolved.endpoint ? { endpoint: redactUrl(resolved.endpoint) } : {}),
    ...(resolved.region ? { region: resolved.region } : {}),
    forcePathStyle: resolved.forcePathStyle,
  });
  return storage;
}
