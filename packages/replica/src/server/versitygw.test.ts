// Real versitygw: plain files on disk served anonymously from a public bucket, private buckets need signatures.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVersitygw, type VersityGw } from "./versitygw.js";

const ARCHIVE = "data.binance.vision";
const KEY = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip";
const BODY = Buffer.from("PK\u0003\u0004 not really a zip, but bytes on disk\n");
const md5 = (b: Buffer | string) => createHash("md5").update(b).digest("hex");

let dir: string;
let gw: VersityGw;
let s3: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-vgw-"));
  const root = join(dir, "root");
  // Written before the gateway starts, like the replica generator does.
  await mkdir(join(root, ARCHIVE, "data/spot/daily/klines/BTCUSDT/1m"), { recursive: true });
  await writeFile(join(root, ARCHIVE, KEY), BODY);
  await writeFile(join(root, ARCHIVE, `${KEY}.CHECKSUM`), `${md5(BODY)}  BTCUSDT-1m-2025-07-15.zip`);
  gw = await startVersitygw({ root, publicReadBuckets: [ARCHIVE], buckets: ["lake"] });
  s3 = new S3Client({ ...gw.clientSettings, requestChecksumCalculation: "WHEN_REQUIRED" });
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("startVersitygw", () => {
  it("answers on 127.0.0.1 with the documented shape", () => {
    expect(gw.endpoint).toBe(`http://127.0.0.1:${gw.port}`);
    expect(gw.region).toBe("us-east-1");
    expect(gw.clientSettings.forcePathStyle).toBe(true);
  });

  it("serves a file written on disk to an unsigned GET, with the S3 MD5 ETag", async () => {
    const res = await fetch(`${gw.endpoint}/${ARCHIVE}/${KEY}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
    expect(res.headers.get("etag")).toBe(`"${md5(BODY)}"`);
    expect(Number(res.headers.get("content-length"))).toBe(BODY.length);
  });

  it("answers an unsigned GET for a missing key with 404 NoSuchKey", async () => {
    const res = await fetch(`${gw.endpoint}/${ARCHIVE}/data/spot/daily/klines/BTCUSDT/1m/nope.zip`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("<Code>NoSuchKey</Code>");
  });

  it("lists the public bucket anonymously with ListObjects V1 (delimiter) and V2", async () => {
    const v1 = await fetch(`${gw.endpoint}/${ARCHIVE}?prefix=data/spot/&delimiter=/`);
    expect(v1.status).toBe(200);
    expect(await v1.text()).toContain("<CommonPrefixes><Prefix>data/spot/daily/</Prefix></CommonPrefixes>");

    const v2 = await fetch(`${gw.endpoint}/${ARCHIVE}?list-type=2&prefix=data/spot/daily/klines/BTCUSDT/1m/`);
    expect(v2.status).toBe(200);
    const xml = await v2.text();
    expect(xml).toContain(`<Key>${KEY}</Key>`);
    expect(xml).toContain(`<Key>${KEY}.CHECKSUM</Key>`);
    // zip sorts before zip.CHECKSUM, as on the real archive
    expect(xml.indexOf(`<Key>${KEY}</Key>`)).toBeLessThan(xml.indexOf(`<Key>${KEY}.CHECKSUM</Key>`));
    expect(xml).toContain("<KeyCount>2</KeyCount>");
  });

  it("answers an anonymous listing of a missing prefix with an empty 200", async () => {
    const res = await fetch(`${gw.endpoint}/${ARCHIVE}?list-type=2&prefix=data/option/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<KeyCount>0</KeyCount>");
  });

  it("refuses anonymous reads, listings and writes on a non-public bucket", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "lake", Key: "bronze/a.txt", Body: "private" }));
    expect((await fetch(`${gw.endpoint}/lake/bronze/a.txt`)).status).toBe(403);
    expect((await fetch(`${gw.endpoint}/lake?list-type=2`)).status).toBe(403);
    expect((await fetch(`${gw.endpoint}/lake`)).status).toBe(403);
    expect((await fetch(`${gw.endpoint}/${ARCHIVE}/data/new.txt`, { method: "PUT", body: "x" })).status).toBe(
      403,
    );
  });

  it("serves the non-public bucket to signed requests", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: "lake", Key: "bronze/a.txt" }));
    expect(await got.Body?.transformToString()).toBe("private");
    expect(got.ETag).toBe(`"${md5("private")}"`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "lake", Prefix: "bronze/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["bronze/a.txt"]);
  });

  it("adopts a bucket directory that existed before startup as a normal bucket", async () => {
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name).sort()).toEqual([ARCHIVE, "lake"]);
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: ARCHIVE }));
    expect(acl.Owner?.ID).toBe(gw.accessKey);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: ARCHIVE, Key: "data/probe.txt", Body: "probe" }),
    );
    expect(put.ETag).toBe(`"${md5("probe")}"`);
    expect(await (await fetch(`${gw.endpoint}/${ARCHIVE}/data/probe.txt`)).text()).toBe("probe");
    await s3.send(new DeleteObjectCommand({ Bucket: ARCHIVE, Key: "data/probe.txt" }));
  });

  it("stamps ETags for files written on disk after startup, and keeps those of PUT objects", async () => {
    const later = Buffer.from("written later");
    const key = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-16.zip";
    await writeFile(join(gw.root, ARCHIVE, key), later);
    expect((await fetch(`${gw.endpoint}/${ARCHIVE}/${key}`)).headers.get("etag") ?? "").not.toContain(
      md5(later),
    );

    const result = await gw.stampEtags(ARCHIVE, "data/spot/");
    expect(result).toEqual({ stamped: 1, unchanged: 2 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: ARCHIVE, Key: key }));
    expect(head.ETag).toBe(`"${md5(later)}"`);

    expect(await gw.stampEtags("lake")).toEqual({ stamped: 0, unchanged: 1 });
  });
});
