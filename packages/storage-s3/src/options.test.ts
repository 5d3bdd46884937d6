// Options: `--output s3://…` parsing, refused credentials, aliases, env fallbacks; and secret scrubbing.
import { isLakehouseError } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { resolveS3Options, s3OptionsFromOutput, s3Storage, s3StorageOptionsSchema, scrub } from "./index.js";

function thrown(run: () => unknown): { code: string; message: string; details: readonly string[] } {
  try {
    run();
  } catch (e) {
    if (isLakehouseError(e)) return e;
    throw e;
  }
  throw new Error("expected a LakehouseError");
}

describe("s3OptionsFromOutput", () => {
  it("claims s3:// outputs and leaves everything else to other backends", () => {
    expect(s3OptionsFromOutput("s3://my-lake/team/prod/")).toEqual({
      bucket: "my-lake",
      prefix: "team/prod",
    });
    expect(s3OptionsFromOutput("s3://my.lake")).toEqual({ bucket: "my.lake" });
    expect(s3OptionsFromOutput("S3://my-lake/")).toEqual({ bucket: "my-lake" });
    expect(s3OptionsFromOutput("./lake")).toBeUndefined();
    expect(s3OptionsFromOutput("/data/s3://x")).toBeUndefined();
    expect(s3OptionsFromOutput("file:///data/lake")).toBeUndefined();
    expect(s3Storage.fromOutput?.("s3://abc/x")).toEqual({ bucket: "abc", prefix: "x" });
  });

  it("rejects malformed s3 outputs clearly", () => {
    const bad = thrown(() => s3OptionsFromOutput("s3://My_Bucket/x"));
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.message).toContain("'My_Bucket' is not a valid bucket name");
    expect(thrown(() => s3OptionsFromOutput("s3:/lake")).message).toContain(
      "use s3://bucket or s3://bucket/prefix",
    );
    expect(thrown(() => s3OptionsFromOutput("s3://lake/a/../b")).message).toContain("Invalid S3 prefix");
  });
});

describe("options", () => {
  it("refuses credentials in options, naming the key but never echoing the value", () => {
    const r = s3StorageOptionsSchema.safeParse({
      bucket: "lake",
      secretAccessKey: "s3cr3t-value",
      aws_access_key_id: "AK",
    });
    expect(r.success).toBe(false);
    const text = JSON.stringify(r.error?.issues);
    expect(text).toContain("secretAccessKey");
    expect(text).toContain("AWS_ACCESS_KEY_ID");
    expect(text).not.toContain("s3cr3t-value");
    const e = thrown(() =>
      resolveS3Options({ bucket: "lake", credentials: { secretAccessKey: "s3cr3t-value" } }),
    );
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.details.join("\n")).toMatch(/storage\.credentials: credentials are not accepted/);
    expect(`${e.message}${e.details.join("")}`).not.toContain("s3cr3t-value");
  });

  it("accepts snake_case aliases and rejects unknown keys", () => {
    expect(s3StorageOptionsSchema.parse({ bucket: "lake", part_size_mb: 8, force_path_style: true })).toEqual(
      {
        bucket: "lake",
        partSizeMb: 8,
        forcePathStyle: true,
      },
    );
    expect(thrown(() => resolveS3Options({ bucket: "lake", partsize: 8 })).details.join()).toMatch(
      /partsize/,
    );
    expect(thrown(() => resolveS3Options({ bucket: "lake", partSizeMb: 1 })).details.join()).toMatch(
      /partSizeMb/,
    );
  });

  it("fills endpoint and region from the environment; path style by default only with an endpoint", () => {
    const env = {
      AWS_ENDPOINT_URL: "http://generic:1",
      AWS_ENDPOINT_URL_S3: "http://s3only:2/",
      AWS_REGION: "eu-west-1",
    };
    expect(resolveS3Options({ bucket: "lake", prefix: "/x/y/" }, env)).toMatchObject({
      bucket: "lake",
      prefix: "x/y",
      endpoint: "http://s3only:2",
      region: "eu-west-1",
      forcePathStyle: true,
    });
    expect(resolveS3Options({ bucket: "lake" }, { AWS_ENDPOINT_URL: "http://generic:1" }).endpoint).toBe(
      "http://generic:1",
    );
    expect(resolveS3Options({ bucket: "lake", endpoint: "http://opt:3", region: "x-1" }, env)).toMatchObject({
      endpoint: "http://opt:3",
      region: "x-1",
    });
    const aws = resolveS3Options({ bucket: "lake" }, {});
    expect(aws.endpoint).toBeUndefined();
    expect(aws.region).toBeUndefined();
    expect(aws.forcePathStyle).toBe(false);
    expect(aws.partSizeBytes).toBe(16 * 1024 * 1024);
    expect(thrown(() => resolveS3Options({ bucket: "lake" }, { AWS_ENDPOINT_URL_S3: "ftp://x" })).code).toBe(
      "CONFIG_INVALID",
    );
    const userinfo = thrown(() =>
      resolveS3Options({ bucket: "lake", endpoint: "http://me:pa55word@host:9000" }),
    );
    expect(userinfo.message).toContain("carries credentials");
    expect(userinfo.message).not.toContain("pa55word");
  });
});

describe("scrub", () => {
  it("removes this process's AWS secrets, access key ids and signing material", () => {
    const env = { AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG", AWS_ACCESS_KEY_ID: "my-access-key" };
    const text =
      "bad wJalrXUtnFEMI/K7MDENG for my-access-key: AKIAIOSFODNN7EXAMPLE Credential=AKIA/2025/us-east-1 Signature=abc123";
    const out = scrub(text, env);
    for (const s of [
      "wJalrXUtnFEMI/K7MDENG",
      "my-access-key",
      "AKIAIOSFODNN7EXAMPLE",
      "AKIA/2025",
      "abc123",
    ]) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain("[redacted]");
  });
});
