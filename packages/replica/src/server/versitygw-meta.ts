// Writes versitygw sidecar metadata from Node: MD5 ETags for files written straight to disk, bucket adoption.
//
// versitygw's posix backend keeps object/bucket metadata in xattrs, or with `--sidecar DIR` in plain files
// `DIR/<bucket>/<key>/meta/<attribute>` (format of the pinned v1.8.0). Node has no xattr API, so the launcher
// uses the sidecar: then files the replica generator writes can get a real MD5 ETag like the archive's.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, opendir, rename, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** versitygw's in-bucket scratch dir for multipart uploads; never an object. */
const GATEWAY_TMP_DIR = ".sgwtmp";

function objectMetaDir(metaDir: string, bucket: string, key: string): string {
  return join(metaDir, bucket, ...key.split("/"), "meta");
}

async function writeAtomic(path: string, value: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, value);
  await rename(tmp, path);
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Hex MD5 of a file, read in 1 MiB chunks. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function* walkFiles(dir: string): AsyncGenerator<string> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== GATEWAY_TMP_DIR) yield* walkFiles(path);
    } else if (entry.isFile()) {
      yield path;
    }
  }
}

export interface StampEtagsResult {
  /** Files that got a (new or refreshed) ETag. */
  stamped: number;
  /** Files whose ETag was already current. */
  unchanged: number;
}

/**
 * Gives every plain file under `<root>/<bucket>/<prefix>` the quoted MD5 ETag S3 would return, unless its
 * ETag is already newer than its data (objects PUT through the gateway, multipart ETags included, keep theirs).
 */
export async function stampEtags(
  root: string,
  metaDir: string,
  bucket: string,
  prefix = "",
): Promise<StampEtagsResult> {
  const bucketDir = join(root, bucket);
  const result: StampEtagsResult = { stamped: 0, unchanged: 0 };
  for await (const file of walkFiles(join(bucketDir, ...prefix.split("/").filter(Boolean)))) {
    const key = relative(bucketDir, file).split(sep).join("/");
    if (!key.startsWith(prefix)) continue;
    const meta = objectMetaDir(metaDir, bucket, key);
    const etagPath = join(meta, "etag");
    const [dataTime, etagTime] = await Promise.all([mtimeMs(file), mtimeMs(etagPath)]);
    if (dataTime === undefined) continue; // removed meanwhile
    if (etagTime !== undefined && etagTime >= dataTime) {
      result.unchanged++;
      continue;
    }
    const md5 = await md5File(file);
    await mkdir(meta, { recursive: true });
    await writeAtomic(etagPath, `"${md5}"`);
    result.stamped++;
  }
  return result;
}

/**
 * Makes a directory that already exists under root a proper bucket owned by `accessKey`. CreateBucket on such a
 * directory fails with 500 ("get bucket acl: no such key"), so the launcher writes the two attributes that
 * CreateBucket would have written.
 */
export async function adoptBucketDir(metaDir: string, bucket: string, accessKey: string): Promise<void> {
  const meta = join(metaDir, bucket, "meta");
  await mkdir(meta, { recursive: true });
  if ((await mtimeMs(join(meta, "acl"))) === undefined) {
    const acl = {
      Owner: accessKey,
      Grantees: [{ Permission: "FULL_CONTROL", Access: accessKey, Type: "CanonicalUser" }],
    };
    await writeAtomic(join(meta, "acl"), JSON.stringify(acl));
  }
  if ((await mtimeMs(join(meta, "ownership"))) === undefined) {
    await writeAtomic(join(meta, "ownership"), "BucketOwnerEnforced");
  }
}
