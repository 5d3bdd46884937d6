// Resume trusts what the store lists, not mere existence: a bronze zip truncated behind the tool's back (or replaced
// on an S3 lakehouse) no longer matches its record's size / the store's ETag, so the next collect fetches it again
// and its summary says why — against the replica on versitygw, with local and S3 lakehouses.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "@crypto-lakehouse/core";
import { builtinRegistry } from "@crypto-lakehouse/runtime";
import { startVersitygw } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { sha256 } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const DAY = "2023-07-01";

describe("resume re-fetches a stored zip that no longer matches its record", () => {
  let replica: ServedReplica;
  let files: { key: string; symbol: string; sha256: string; size: number }[];
  beforeAll(async () => {
    replica = await serveSmallFiles(3, 8, 16);
    files = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    await replica?.stop();
  });

  const rel = (f: { key: string; symbol: string }) =>
    `bronze/spot/trades/daily/${f.symbol}/${f.key.split("/").pop()}`;
  const collect = async (out: string, env: Record<string, string> = {}) => {
    const r = await lakehouse(
      [
        "collect",
        "--endpoint",
        replica.endpoint,
        ...selection({
          market: "spot",
          symbols: files.map((f) => f.symbol).join(","),
          dataTypes: "trades",
          start: DAY,
          end: DAY,
        }),
        "--output",
        out,
        "--json",
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { counts: Record<string, number>; notes: string[] };
  };

  it("a truncated local zip is fetched again, and the notes say why", async () => {
    const out = tempDir("lh-damaged-");
    expect((await collect(out)).counts.downloaded).toBe(files.length);
    const target = files[1]!;
    const path = join(out, rel(target));
    writeFileSync(path, readFileSync(path).subarray(0, 1000));

    const again = await collect(out);
    expect(again.counts).toMatchObject({ downloaded: 1, skipped: files.length - 1 });
    expect(again.notes.join("\n")).toContain(
      `no longer matched its record (truncated or replaced): 1 stored file — ${target.key} (the stored zip is 1000 bytes, its record says ${target.size}`,
    );
    expect(sha256(path)).toBe(target.sha256);
    expect((await collect(out)).counts).toMatchObject({ downloaded: 0, skipped: files.length });
  }, 120_000);

  it("on an S3 lakehouse, a zip replaced by one of the same size is told apart by the store's ETag", async () => {
    const creds = {
      AWS_ACCESS_KEY_ID: `lh-access-${randomBytes(6).toString("hex")}`,
      AWS_SECRET_ACCESS_KEY: `lh-secret-${randomBytes(12).toString("hex")}`,
    };
    const gw = await startVersitygw({
      root: join(tempDir("lh-lake-"), "root"),
      buckets: ["lake"],
      accessKey: creds.AWS_ACCESS_KEY_ID,
      secretKey: creds.AWS_SECRET_ACCESS_KEY,
    });
    try {
      const env: Record<string, string> = {
        ...creds,
        AWS_ENDPOINT_URL_S3: gw.endpoint,
        AWS_REGION: "us-east-1",
      };
      const out = "s3://lake/lh";
      expect((await collect(out, env)).counts.downloaded).toBe(files.length);
      const target = files[2]!;
      // Its listing time must be later than its record's (S3 times have 1 s steps): wait for the next second.
      const second = Math.floor(Date.now() / 1000);
      while (Math.floor(Date.now() / 1000) <= second) await new Promise((r) => setTimeout(r, 50));
      // Replaced through the CLI's own s3 plugin, whose credentials come from the environment.
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        const s3 = await builtinRegistry().storages.get("s3")!.load();
        const lake = await s3.create(
          { bucket: "lake", prefix: "lh", endpoint: gw.endpoint },
          { logger: silentLogger },
        );
        await lake.put(rel(target), { data: randomBytes(target.size) });
        await lake.close?.();
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }

      const again = await collect(out, env);
      expect(again.counts).toMatchObject({ downloaded: 1, skipped: files.length - 1 });
      expect(again.notes.join("\n")).toMatch(
        new RegExp(`no longer matched its record .*: 1 stored file — ${target.key} \\(the stored zip's ETag`),
      );
      const v = await lakehouse(["verify", "--output", out, "--json"], {
        env: { ...env, TMPDIR: tempDir("lh-s3tmp-") },
      });
      expect(v.code, v.stdout).toBe(0);
    } finally {
      await gw.stop();
    }
  }, 120_000);
});
