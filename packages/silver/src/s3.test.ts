// The same silver build on S3 (a real versitygw): bronze read through get(), Parquet and records stored with put().
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createS3Storage } from "@crypto-lakehouse/storage-s3";
import { startVersitygw, type VersityGw } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertBronze } from "./build.js";
import { openSqlSession } from "./query.js";
import { bronzeKeyOf, type ReplicaLake, replicaLake, tempDir } from "./replica.test-util.js";

const BUCKET = "silver-test";
let gw: VersityGw;
let lake: ReplicaLake;
let dir: string;

beforeAll(async () => {
  dir = await tempDir("s3");
  const key = `access-${randomBytes(6).toString("hex")}`;
  gw = await startVersitygw({
    root: join(dir, "root"),
    buckets: [BUCKET],
    accessKey: key,
    secretKey: `secret-${randomBytes(12).toString("hex")}`,
    etags: "none",
  });
  process.env.AWS_ACCESS_KEY_ID = gw.accessKey;
  process.env.AWS_SECRET_ACCESS_KEY = gw.secretKey;
  lake = await replicaLake([
    {
      markets: ["spot"],
      dataTypes: ["klines"],
      symbols: { spot: ["BTCUSDT"] },
      intervals: ["1h"],
      partitions: ["daily"],
      start: "2024-12-31",
      end: "2025-01-01",
    },
    {
      markets: ["futures_um"],
      dataTypes: ["metrics"],
      symbols: { futures_um: ["BTCUSDT"] },
      start: "2021-01-01",
      end: "2021-01-01",
    },
  ]);
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await lake?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("silver on S3 (versitygw)", () => {
  it("converts bronze held in a bucket, incrementally, and serves SQL from a mirror", async () => {
    const s3 = createS3Storage({
      bucket: BUCKET,
      prefix: "lake",
      endpoint: gw.endpoint,
      region: "us-east-1",
    });
    try {
      expect(s3.localPath?.("bronze")).toBeUndefined();
      for (const f of lake.files) {
        const key = bronzeKeyOf(f);
        await s3.put(key, { data: await readFile(lake.storage.localPath(key)) });
      }
      const one = await convertBronze(s3, {}, { runId: "s3-one", tempDir: dir });
      expect(one.failures).toEqual([]);
      expect(one.counts.converted).toBe(lake.files.length);
      expect(one.output).toMatch(/^s3:\/\/silver-test\/lake/);
      const keys: string[] = [];
      for await (const o of s3.list("silver/")) keys.push(o.key);
      expect(keys).toContain(
        "silver/spot/klines/symbol=BTCUSDT/interval=1h/month=2025-01/BTCUSDT-1h-2025-01-01.parquet",
      );
      expect(await s3.read("_meta/silver/tables/spot/klines.json")).toBeDefined();

      const two = await convertBronze(s3, {}, { runId: "s3-two", tempDir: dir });
      expect(two.counts).toEqual({ converted: 0, unchanged: lake.files.length, superseded: 0, failed: 0 });

      const session = await openSqlSession(s3, { cacheDir: join(dir, "cache") });
      try {
        const [k] = await session.duck.rows<{ n: string; t: string }>(
          "SELECT count(*) AS n, max(open_time)::VARCHAR AS t FROM spot_klines",
        );
        expect(k).toEqual({ n: "48", t: "2025-01-01 23:00:00+00" });
        const [m] = await session.duck.rows<{ n: string }>("SELECT count(*) AS n FROM futures_um_metrics");
        expect(Number(m!.n) * 2).toBe(lake.files.find((f) => f.dataType === "metrics")!.rows);
      } finally {
        session.close();
      }
    } finally {
      await s3.close?.();
    }
  });
});
