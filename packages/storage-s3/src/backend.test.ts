// S3-only behaviour on a real versitygw: credential errors, missing bucket, multipart + metadata, pagination,
// prefix isolation, env endpoint fallback, and cleanup of uploads a killed run left behind.
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { isLakehouseError, type LakehouseError, type StorageBackend } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Storage } from "./index.js";
import { BUCKET, type S3TestEnv, startS3 } from "./test-util.js";

async function caught(run: () => Promise<unknown>): Promise<LakehouseError> {
  try {
    await run();
  } catch (e) {
    if (isLakehouseError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

async function keys(storage: StorageBackend, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.key);
  return out;
}

/** Runs `fn` with AWS_* variables replaced, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

let env: S3TestEnv;
beforeAll(async () => {
  env = await startS3();
});
afterAll(() => env?.dispose());

const open = (prefix: string, extra: Record<string, unknown> = {}) =>
  createS3Storage({ bucket: BUCKET, prefix, endpoint: env.gw.endpoint, ...extra });

describe("credentials and bucket errors", () => {
  it("wrong credentials from the environment: STORAGE_FAILED naming s3://bucket/prefix, no secret in it", async () => {
    const cases = [
      { AWS_ACCESS_KEY_ID: env.gw.accessKey, AWS_SECRET_ACCESS_KEY: "wrong-secret-0123456789" },
      { AWS_ACCESS_KEY_ID: "NOSUCHKEY0123456789", AWS_SECRET_ACCESS_KEY: env.gw.secretKey },
    ];
    for (const creds of cases) {
      await withEnv(creds, async () => {
        const bad = open("team/lake");
        try {
          for (const e of [
            await caught(() => bad.checkWritable()),
            await caught(() => bad.put("bronze/x.zip", { data: "x" })),
            await caught(() => keys(bad, "bronze/")),
          ]) {
            expect(e.code).toBe("STORAGE_FAILED");
            expect(e.message).toContain(`s3://${BUCKET}/team/lake`);
            expect(e.message).toMatch(/Access denied/);
            const shown = `${e.describe()}\n${String((e.cause as Error)?.message)}`;
            for (const secret of [creds.AWS_SECRET_ACCESS_KEY, env.gw.secretKey, creds.AWS_ACCESS_KEY_ID]) {
              expect(shown).not.toContain(secret);
            }
          }
        } finally {
          await bad.close?.();
        }
      });
    }
  });

  it("a missing bucket is STORAGE_FAILED saying so", async () => {
    const storage = createS3Storage({ bucket: "no-such-bucket", endpoint: env.gw.endpoint });
    const e = await caught(() => storage.checkWritable());
    expect(e.code).toBe("STORAGE_FAILED");
    expect(e.message).toContain("s3://no-such-bucket");
    expect(e.message).toMatch(/does not exist/);
    await storage.close?.();
  });

  it("an unreachable endpoint is a retryable STORAGE_FAILED naming the endpoint", async () => {
    const storage = createS3Storage({ bucket: BUCKET, endpoint: "http://127.0.0.1:9" });
    const e = await caught(() => storage.checkWritable());
    expect(e.code).toBe("STORAGE_FAILED");
    expect(e.retryable).toBe(true);
    expect(e.message).toContain("http://127.0.0.1:9");
    await storage.close?.();
  });
});

describe("objects", () => {
  it("uploads a file bigger than a part as multipart and keeps its sha256 as metadata", async () => {
    const storage = open("multipart", { partSizeMb: 5 });
    const data = randomBytes(12 * 1024 * 1024);
    const src = join(env.dir, "big.zip");
    await writeFile(src, data);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const stored = await storage.put(
      "bronze/big.zip",
      { path: src },
      { metadata: { sha256 }, contentType: "application/zip" },
    );
    expect(stored.size).toBe(data.length);
    const head = await storage.head("bronze/big.zip");
    expect(head?.etag).toMatch(/-3$/); // three parts: 5 + 5 + 2 MiB
    expect(head?.metadata?.sha256).toBe(sha256);
    expect((await storage.read("bronze/big.zip"))?.equals(data)).toBe(true);
    // Small ones go up in one PutObject (a plain MD5 ETag) with their metadata too.
    await storage.put("bronze/small.zip", { data: "small" }, { metadata: { sha256: "abc" } });
    const small = await storage.head("bronze/small.zip");
    expect(small?.etag).toBe(createHash("md5").update("small").digest("hex"));
    expect(small?.metadata?.sha256).toBe("abc");
    await storage.close?.();
  });

  it("follows continuation tokens through every page of a listing", async () => {
    const storage = createS3Storage(
      { bucket: BUCKET, prefix: "paged", endpoint: env.gw.endpoint },
      undefined,
      {
        listPageSize: 7,
      },
    );
    const names = Array.from({ length: 23 }, (_, i) => `bronze/f${String(i).padStart(2, "0")}.zip`);
    await Promise.all(names.map((k) => storage.put(k, { data: k })));
    expect(await keys(storage, "bronze/")).toEqual(names);
    await storage.close?.();
  });

  it("keeps stores under neighbouring prefixes apart", async () => {
    const a = open("iso/a");
    const ab = open("iso/ab");
    await a.put("x.zip", { data: "a" });
    await ab.put("x.zip", { data: "ab" });
    expect(await keys(a)).toEqual(["x.zip"]);
    expect((await a.read("x.zip"))?.toString()).toBe("a");
    expect(a.location).toBe(`s3://${BUCKET}/iso/a`);
    await Promise.all([a.close?.(), ab.close?.()]);
  });

  it("takes the endpoint from AWS_ENDPOINT_URL_S3 when the options name none", async () => {
    await withEnv(
      { AWS_ENDPOINT_URL_S3: env.gw.endpoint, AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
      async () => {
        const storage = createS3Storage({ bucket: BUCKET, prefix: "from-env" });
        await storage.checkWritable();
        await storage.put("k", { data: "v" });
        expect((await storage.read("k"))?.toString()).toBe("v");
        await storage.close?.();
      },
    );
  });
});

describe("abortIncompleteUploads", () => {
  it("aborts multipart uploads a killed run left under the prefix, sparing recent ones and other prefixes", async () => {
    const raw = new S3Client({ ...env.gw.clientSettings, requestChecksumCalculation: "WHEN_REQUIRED" });
    try {
      for (const Key of ["orphans/bronze/a.zip", "elsewhere/b.zip"]) {
        await raw.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
      }
      const storage = open("orphans");
      const listed: string[] = [];
      for await (const u of storage.listIncompleteUploads()) listed.push(u.key);
      expect(listed).toEqual(["bronze/a.zip"]);
      expect(await storage.abortIncompleteUploads()).toBe(0); // younger than a day: maybe still running
      expect(await storage.abortIncompleteUploads({ olderThanMs: 0 })).toBe(1);
      const left = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
      expect((left.Uploads ?? []).map((u) => u.Key)).toEqual(["elsewhere/b.zip"]);
      expect(await keys(storage)).toEqual([]);
      await storage.close?.();
    } finally {
      raw.destroy();
    }
  });
});
