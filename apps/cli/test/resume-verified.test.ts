// Resume against the replica on versitygw: files stored with --no-checksum are fetched again and verified by a
// verifying run (and are `unverified` to `lakehouse verify`); --refresh-changed re-fetches exactly the stored files
// the archive changed since (same size, new ETag), and without it they are kept.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "@crypto-lakehouse/core";
import { builtinRegistry } from "@crypto-lakehouse/runtime";
import { startVersitygw } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zipOf } from "../../../packages/engine/src/pipeline/zip.test-util.js";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { BUCKET, type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

interface Summary {
  status: string;
  planned: number;
  counts: Record<string, number>;
  notes: string[];
}

describe("resume: unverified and changed stored files", () => {
  let replica: ServedReplica;
  let small: { key: string; sha256: string; symbol: string }[];
  beforeAll(async () => {
    replica = await serveSmallFiles(4, 2, 4);
    small = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    await replica?.stop();
  });

  /** Extra environment of the CLI runs (S3 credentials for an s3:// lakehouse). */
  let env: Record<string, string> = {};
  const bronzeOf = (out: string, key: string) =>
    join(out, "bronze", "spot", "trades", "daily", key.split("/")[4]!, key.split("/").pop()!);
  const recordOf = (out: string, key: string) =>
    JSON.parse(readFileSync(join(out, "_meta", "files", `${bronzeOf("", key)}.json`), "utf8"));

  async function collect(
    out: string,
    ...extra: string[]
  ): Promise<{ code: number; s: Summary; stderr: string }> {
    const r = await lakehouse(
      [
        "collect",
        "--endpoint",
        replica.endpoint,
        ...selection({
          market: "spot",
          symbols: small.map((f) => f.symbol).join(","),
          dataTypes: "trades",
          start: "2023-07-01",
          end: "2023-07-01",
        }),
        "--output",
        out,
        "--json",
        ...extra,
      ],
      { env },
    );
    return { code: r.code, s: JSON.parse(r.stdout), stderr: r.stderr };
  }

  /** A zip for `f` whose rows carry `v`. */
  const version = (f: { key: string }, v: number) =>
    zipOf(
      f.key
        .split("/")
        .pop()!
        .replace(/\.zip$/, ".csv"),
      Buffer.from(`1,100.0,0.5,${v},${v},1688169600000,True,True\n`.repeat(40)),
    );

  /** Replaces `f` in the replica (zip, .CHECKSUM, ETag), like a re-upload to the archive. */
  async function publish(f: { key: string }, zip: Buffer): Promise<void> {
    const onDisk = join(replica.dir, BUCKET, ...f.key.split("/"));
    writeFileSync(onDisk, zip);
    writeFileSync(`${onDisk}.CHECKSUM`, `${sha(zip)}  ${f.key.split("/").pop()}`);
    await replica.gw.stampEtags(BUCKET, f.key.slice(0, f.key.lastIndexOf("/") + 1));
  }

  async function verify(out: string, ...extra: string[]) {
    const r = await lakehouse(["verify", "--output", out, "--json", ...extra], { env });
    return { code: r.code, report: JSON.parse(r.stdout) };
  }

  it("a verifying run re-fetches and verifies what --no-checksum stored; verify calls it unverified", async () => {
    const out = tempDir("lh-unverified-");
    const n = small.length;

    const unchecked = await collect(out, "--no-checksum");
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.s.counts.downloaded).toBe(n);
    expect(walk(join(out, "bronze")).filter((p) => p.endsWith(".CHECKSUM"))).toEqual([]);
    for (const f of small) expect(recordOf(out, f.key).verified).toBe(false);
    // A run that does not verify counts them done: there is nothing to verify them against.
    expect((await collect(out, "--no-checksum")).s.counts).toMatchObject({ skipped: n, downloaded: 0 });

    const before = await verify(out);
    expect(before.code).toBe(1);
    expect(before.report.counts).toMatchObject({ ok: 0, unverified: n });
    expect(before.report.items[0].reason).toMatch(/download_checksum: false/);

    const verified = await collect(out);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.s.status).toBe("completed");
    expect(verified.s.counts).toMatchObject({ downloaded: n, skipped: 0, failed: 0, checksum_mismatch: 0 });
    expect(verified.s.notes.join("\n")).toMatch(
      new RegExp(`fetched again to verify them.*: ${n} stored files — .*${small[0]!.key}`),
    );
    for (const f of small) {
      expect(recordOf(out, f.key)).toMatchObject({ verified: true, checksum: f.sha256, sha256: f.sha256 });
      expect(readFileSync(`${bronzeOf(out, f.key)}.CHECKSUM`, "utf8")).toContain(f.sha256);
    }
    expect((await verify(out)).report.counts).toMatchObject({ ok: n, unverified: 0 });
    // Verified files count as done for both kinds of run.
    expect((await collect(out)).s.counts).toMatchObject({ skipped: n, downloaded: 0 });
    expect((await collect(out, "--no-checksum")).s.counts).toMatchObject({ skipped: n, downloaded: 0 });

    // --force --no-checksum over verified copies drops their .CHECKSUMs, so they are not passed off as verified;
    // verify --repair fetches and verifies them again.
    expect((await collect(out, "--force", "--no-checksum")).s.counts.downloaded).toBe(n);
    expect(walk(join(out, "bronze")).filter((p) => p.endsWith(".CHECKSUM"))).toEqual([]);
    const repaired = await verify(out, "--repair", "--endpoint", replica.endpoint);
    expect(repaired.code).toBe(0);
    expect(repaired.report.counts.unverified).toBe(n);
    expect(repaired.report.repair.summary.counts.downloaded).toBe(n);
    expect(repaired.report.repair.after.map((i: { status: string }) => i.status)).toEqual(
      Array(n).fill("ok"),
    );
    expect((await collect(out)).s.counts).toMatchObject({ skipped: n, downloaded: 0 });
  }, 180_000);

  it("--refresh-changed re-fetches exactly the stored file the archive changed; without it the file is kept", async () => {
    const help = await lakehouse(["collect", "--help"]);
    expect(help.stdout).toMatch(
      /--refresh-changed\s+also list the archive and re-fetch stored files whose ETag or size/,
    );
    const out = tempDir("lh-refresh-");
    const target = small[1]!;
    // Two versions of the file of the same size, so only the ETag tells them apart.
    let v = 1;
    while (version(target, v).length !== version(target, v + 1).length) v++;
    const [first, second] = [version(target, v), version(target, v + 1)];
    await publish(target, first);

    const initial = await collect(out);
    expect(initial.code, initial.stderr).toBe(0);
    expect(initial.s.counts.downloaded).toBe(small.length);
    expect(sha256(bronzeOf(out, target.key))).toBe(sha(first));
    expect(recordOf(out, target.key).etag).toBe(md5(first));

    await publish(target, second);
    const plain = await collect(out);
    expect(plain.s.counts).toMatchObject({ skipped: small.length, downloaded: 0 });
    expect(sha256(bronzeOf(out, target.key))).toBe(sha(first));

    const refreshed = await collect(out, "--refresh-changed");
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.s.status).toBe("completed");
    expect(refreshed.s.counts).toMatchObject({ downloaded: 1, skipped: small.length - 1, failed: 0 });
    expect(refreshed.s.notes.join("\n")).toContain(
      `changed in the archive since they were stored (refresh_changed): 1 stored file — ${target.key} (ETag ${md5(first)} → ${md5(second)})`,
    );
    expect(sha256(bronzeOf(out, target.key))).toBe(sha(second));
    expect(readFileSync(`${bronzeOf(out, target.key)}.CHECKSUM`, "utf8")).toContain(sha(second));
    expect(recordOf(out, target.key)).toMatchObject({
      etag: md5(second),
      sha256: sha(second),
      verified: true,
    });
    // The other files are untouched, and a second refresh finds nothing to do.
    for (const f of small.filter((x) => x !== target)) expect(sha256(bronzeOf(out, f.key))).toBe(f.sha256);
    const again = await collect(out, "--refresh-changed");
    expect(again.s.counts).toMatchObject({ skipped: small.length, downloaded: 0 });
    expect(existsSync(join(out, "_meta", "quarantine"))).toBe(false);
  }, 180_000);

  it("on an S3 lakehouse: unverified copies are re-verified, .CHECKSUMs dropped by --no-checksum, changes re-fetched", async () => {
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
    const aws = { ...creds, AWS_ENDPOINT_URL_S3: gw.endpoint, AWS_REGION: "us-east-1" };
    env = { ...aws, TMPDIR: tempDir("lh-s3tmp-") };
    // The test reads the store with the CLI's own s3 plugin, whose credentials come from the environment.
    const saved = Object.fromEntries(Object.keys(aws).map((k) => [k, process.env[k]]));
    Object.assign(process.env, aws);
    const s3 = await builtinRegistry().storages.get("s3")!.load();
    const lake = await s3.create(
      { bucket: "lake", prefix: "rv", endpoint: gw.endpoint },
      { logger: silentLogger },
    );
    try {
      const out = "s3://lake/rv";
      const n = small.length;
      const sidecars = async () => {
        const keys: string[] = [];
        for await (const o of lake.list("bronze/")) if (o.key.endsWith(".CHECKSUM")) keys.push(o.key);
        return keys;
      };
      expect((await collect(out, "--no-checksum")).s.counts.downloaded).toBe(n);
      expect(await sidecars()).toEqual([]);
      const verified = await collect(out);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.s.counts).toMatchObject({ downloaded: n, skipped: 0 });
      expect(await sidecars()).toHaveLength(n);
      // Unchanged in the archive: the store's listed ETag (MD5) matches the archive's.
      expect((await collect(out, "--refresh-changed")).s.counts).toMatchObject({ skipped: n, downloaded: 0 });

      const target = small[2]!;
      const changed = version(target, 1000);
      await publish(target, changed);
      const refreshed = await collect(out, "--refresh-changed");
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(refreshed.s.counts).toMatchObject({ downloaded: 1, skipped: n - 1 });
      expect(refreshed.s.notes.join("\n")).toContain(target.key);
      const stored = await lake.read(bronzeOf("", target.key));
      expect(sha(stored!)).toBe(sha(changed));

      expect((await collect(out, "--force", "--no-checksum")).s.counts.downloaded).toBe(n);
      expect(await sidecars()).toEqual([]);
      expect((await verify(out)).report.counts).toMatchObject({ ok: 0, unverified: n });
      expect((await collect(out)).s.counts).toMatchObject({ downloaded: n, skipped: 0 });
      expect((await verify(out)).report.counts).toMatchObject({ ok: n, unverified: 0 });
    } finally {
      env = {};
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await lake.close?.();
      await gw.stop();
    }
  }, 180_000);
});
