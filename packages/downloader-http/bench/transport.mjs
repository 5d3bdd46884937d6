// Benchmark: GET transport "http" (undici) vs "sdk" (GetObject) against a local versitygw, small and larger files.
// Usage: (cd packages/downloader-http && npx tsc -b && node bench/transport.mjs [--files 400] [--rounds 3])
// Needs versitygw (bash scripts/setup-services.sh). Prints a table; nothing is asserted.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { createSdkDownloader } from "../dist/index.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const { values } = parseArgs({
  options: {
    files: { type: "string", default: "400" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "8" },
  },
});
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const BUCKET = "data.binance.vision";
const tools = process.env.CRYPTO_LAKEHOUSE_TOOLS ?? join(homedir(), ".cache/crypto-lakehouse/tools");
const bin = join(tools, "bin/versitygw");
if (!existsSync(bin)) throw new Error(`versitygw not found at ${bin}: run bash scripts/setup-services.sh`);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const root = await mkdtemp(join(tmpdir(), "dl-sdk-bench-"));
const sets = { small: { size: 20 * 1024, count: FILES }, large: { size: 8 * 1024 * 1024, count: 16 } };
for (const [name, { size, count }] of Object.entries(sets)) {
  const dir = join(root, BUCKET, "bench", name);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `f${i}.zip`), randomBytes(size));
}
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const gw = spawn(
  bin,
  [
    "--port",
    `127.0.0.1:${port}`,
    "--access",
    "bench",
    "--secret",
    "benchsecret",
    "--quiet",
    "--keep-alive",
    "posix",
    root,
  ],
  {
    stdio: "ignore",
  },
);
try {
  const admin = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "benchsecret" },
  });
  for (let i = 0; ; i++) {
    try {
      await admin.send(
        new PutBucketPolicyCommand({
          Bucket: BUCKET,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: "*",
                Action: ["s3:GetObject", "s3:ListBucket"],
                Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
              },
            ],
          }),
        }),
      );
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  admin.destroy();

  const files = (name) =>
    Array.from({ length: sets[name].count }, (_, i) => ({
      market: "spot",
      partition: "daily",
      dataType: "klines",
      symbol: "BENCH",
      period: "2025-01-01",
      key: `bench/${name}/f${i}.zip`,
    }));
  const results = [];
  for (const set of ["small", "large"]) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const transport of round % 2 === 0 ? ["http", "sdk"] : ["sdk", "http"]) {
        const d = createSdkDownloader({ endpoint, concurrency: CONCURRENCY, retries: 0 }, { transport });
        const staging = join(root, "staging", transport);
        const t0 = performance.now();
        let bytes = 0;
        for await (const r of d.fetch(files(set), staging, { withChecksum: false })) {
          if (r.status !== "fetched") throw new Error(`${r.file.key}: ${r.status}`);
          bytes += r.size;
        }
        const s = (performance.now() - t0) / 1000;
        await d.close();
        await rm(staging, { recursive: true, force: true });
        results.push({
          set,
          transport,
          round,
          files: sets[set].count,
          seconds: s,
          filesPerSec: sets[set].count / s,
          mibPerSec: bytes / s / 2 ** 20,
        });
      }
    }
  }
  const best = {};
  for (const r of results) {
    const k = `${r.set}/${r.transport}`;
    if (!best[k] || r.seconds < best[k].seconds) best[k] = r;
  }
  console.log(
    `concurrency ${CONCURRENCY}, best of ${ROUNDS} rounds (small = ${FILES} x 20 KiB, large = 16 x 8 MiB)`,
  );
  for (const r of Object.values(best)) {
    console.log(
      `${r.set.padEnd(6)} ${r.transport.padEnd(5)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.filesPerSec.toFixed(0).padStart(6)} files/s  ${r.mibPerSec.toFixed(1).padStart(7)} MiB/s`,
    );
  }
} finally {
  gw.kill();
  await rm(root, { recursive: true, force: true });
}
