// `lakehouse replica`: a generated archive in the real layout, and a local S3 server for it (offline use). The
// markets come from the runtime, like every command's: plugins' markets and a matrix file are replicated too.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { repeatable, splitList } from "../flags.js";
import { knownMarkets } from "../lake.js";

const BUCKET = "data.binance.vision";

interface GenerateFlags {
  out: string;
  market?: string[];
  dataTypes?: string;
  symbols?: string;
  start: string;
  end: string;
  rows?: string;
  seed?: string;
  config?: string;
  plugin?: string[];
  matrix?: string;
}

export function registerReplica(program: Command): void {
  const replica = program
    .command("replica")
    .description("generate and serve an archive replica (real layout and quirks) for offline use");
  replica
    .command("generate")
    .description(`write a replica under DIR/${BUCKET}/data/… (serve it with 'lakehouse replica serve DIR')`)
    .requiredOption("--out <dir>", "root folder (the bucket folder is created inside)")
    .option(
      "-m, --market <market>",
      "market (repeatable; default every market known: the four built-in and plugins')",
      repeatable,
    )
    .option("-t, --data-types <list>", "comma-separated data types (default: all)")
    .option("-s, --symbols <list>", "comma-separated symbols for every market (default: a few real ones)")
    .option("--start <date>", "first day", "2025-06-01")
    .option("--end <date>", "last day", "2025-07-31")
    .option("--rows <n>", "rows per file (kline days of 1h and coarser are always whole)")
    .option("--seed <n>", "random seed (same seed, same bytes)")
    .option("-c, --config <file>", "JSON config file (its plugins and matrix_path)")
    .option(
      "--plugin <module>",
      "load a plugin module and replicate its markets too (repeatable)",
      repeatable,
    )
    .option("--matrix <file>", "archive matrix file extending/overriding the built-in one (matrix_path)")
    .action(generate);
  replica
    .command("serve")
    .description(`serve DIR (holding ${BUCKET}/) as an anonymous-read S3 bucket with versitygw, until Ctrl-C`)
    .argument("<dir>", "the folder given to 'replica generate --out'")
    .option("--port <port>", "port on 127.0.0.1 (default: a free one)")
    .action(serve);
}

/** `replica generate`: every market the runtime knows (built-in, plugins', a matrix file's), or those named. */
async function generate(f: GenerateFlags): Promise<void> {
  const { generateReplica } = await import("@crypto-lakehouse/replica");
  const { markets: plugins } = await knownMarkets(f);
  const root = resolve(f.out);
  const bucketDir = resolve(root, BUCKET);
  mkdirSync(bucketDir, { recursive: true });
  const markets = f.market ?? plugins.map((m) => m.id);
  const dataTypes = splitList(f.dataTypes);
  const symbols = splitList(f.symbols);
  const manifest = await generateReplica({
    outDir: bucketDir,
    markets,
    plugins,
    start: f.start,
    end: f.end,
    ...(dataTypes ? { dataTypes } : {}),
    ...(symbols ? { symbols: Object.fromEntries(markets.map((m) => [m, symbols])) } : {}),
    ...(f.rows ? { rowsPerFile: Number(f.rows) } : {}),
    ...(f.seed ? { seed: Number(f.seed) } : {}),
  });
  process.stdout.write(
    `${manifest.files.length} files written under ${bucketDir}/data (holes: ${manifest.holes.length}, stale checksums: ${manifest.stale.length})\n` +
      `serve it with: lakehouse replica serve ${f.out}\n`,
  );
}

/** `replica serve`: versitygw over the folder, until Ctrl-C. */
async function serve(dir: string, f: { port?: string }): Promise<void> {
  const { startVersitygw } = await import("@crypto-lakehouse/replica");
  process.stderr.write(
    "Starting versitygw… (its first start computes every object's ETag: a large replica takes a minute)\n",
  );
  const gw = await startVersitygw({
    root: resolve(dir),
    buckets: [BUCKET],
    publicReadBuckets: [BUCKET],
    ...(f.port ? { port: Number(f.port) } : {}),
  });
  process.stdout.write(
    `Serving ${resolve(dir)}/${BUCKET} at ${gw.endpoint}\n` +
      `Use it with: lakehouse collect --endpoint ${gw.endpoint} …\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((done) => {
    // The gateway's process handle does not keep node alive; this does, until Ctrl-C.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = () => {
      clearInterval(keepAlive);
      void gw.stop().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
