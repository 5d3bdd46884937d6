// `lakehouse gold [table]`: (re)builds an analytics-ready gold table from silver; the first is daily_ohlcv.
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import type { Command } from "commander";
import { addLakeFlags } from "../flags.js";
import { lakeRuntime } from "../lake.js";
import type { LakeFlags } from "./silver.js";

interface GoldFlags extends LakeFlags {
  json?: boolean;
  cacheDir?: string;
}

export function registerGold(program: Command): void {
  addLakeFlags(
    program
      .command("gold")
      .description(
        "build a gold table from silver: daily_ohlcv = one row per market, symbol and UTC day from klines",
      )
      .argument("[table]", "gold table to build", "daily_ohlcv"),
  )
    .option("--cache-dir <dir>", "where a remote store's silver Parquet is mirrored for the build")
    .option("--json", "print the result as JSON")
    .action(async (name: string, f: GoldFlags) => {
      const { buildGold, GOLD_TABLES } = await import("@crypto-lakehouse/silver");
      if (!(GOLD_TABLES as readonly string[]).includes(name)) {
        throw new LakehouseError(
          "UNSUPPORTED",
          `'${name}' is not a gold table (known: ${GOLD_TABLES.join(", ")})`,
        );
      }
      const { runtime } = await lakeRuntime(f);
      try {
        const storage = await runtime.storage();
        const started = Date.now();
        const r = await buildGold(
          storage,
          name as (typeof GOLD_TABLES)[number],
          // The runtime's markets: a plugin's kline-class market reaches gold too.
          { markets: runtime.markets(), ...(f.cacheDir ? { cacheDir: f.cacheDir } : {}) },
        );
        if (f.json || !process.stdout.isTTY) {
          process.stdout.write(`${JSON.stringify({ ...r, durationMs: Date.now() - started }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `gold ${r.table}: ${r.rows.toLocaleString("en")} rows from ${r.sources.join(", ")} → ${r.keys.join(", ")} in ${storage.location}\n` +
            `Query it: lakehouse sql "SELECT * FROM ${r.view} ORDER BY date DESC LIMIT 10"\n`,
        );
      } finally {
        await runtime.dispose();
      }
    });
}
