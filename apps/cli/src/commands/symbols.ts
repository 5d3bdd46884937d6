// `lakehouse symbols`: the symbols the archive really has for a market and data type (from its listing); with
// --history (or --listed-on) every symbol it has or had, with the first and last day of its files, stored as
// the `symbols` SQL table when a lakehouse is given.
import type { MarketPlugin } from "@crypto-lakehouse/core";
import type { ListingCache } from "@crypto-lakehouse/coverage";
import type { Command } from "commander";
import { CliUsageError } from "../errors.js";
import type { RunFlags } from "../flags.js";
import { table } from "../table.js";
import { type ArchiveLake, openArchiveLake } from "./archive-lake.js";

interface SymbolsFlags extends RunFlags {
  dataType: string;
  json?: boolean;
  history?: boolean;
  listedOn?: string;
  interval?: string;
  refreshListing?: boolean;
}

export function registerSymbols(program: Command): void {
  program
    .command("symbols")
    .description(
      "list the symbols the archive has for a market and data type (read from the archive listing); --history adds delisted ones with first/last dates",
    )
    .requiredOption("-m, --market <market>", "market: spot, futures_um, futures_cm, options")
    .requiredOption("-t, --data-type <type>", "data type, e.g. klines")
    .option("--endpoint <url>", "S3 endpoint of the archive (default: the real archive)")
    .option("--region <region>", "archive region")
    .option("--bucket <bucket>", "archive bucket")
    .option("--json", "print a JSON array")
    .option("--history", "every symbol the archive has or had, with the first and last day of its files")
    .option("--listed-on <date>", "only symbols whose files cover this day, YYYY-MM-DD (implies --history)")
    .option(
      "-i, --interval <interval>",
      "kline-class types: the interval folder to date symbols by (default 1d)",
    )
    .option(
      "-o, --output <dir|s3://bucket/prefix>",
      "lakehouse: cache listings there and store the `symbols` table",
    )
    .option("-c, --config <file>", "JSON config file (output_directory, endpoint …)")
    .option("--refresh-listing", "list the archive again even when a cached listing is fresh")
    .action(async (f: SymbolsFlags & { market: string }) => {
      const { isRealDate } = await import("@crypto-lakehouse/core");
      if (f.listedOn !== undefined && !isRealDate(f.listedOn)) {
        throw new CliUsageError(`--listed-on: '${f.listedOn}' is not a date (YYYY-MM-DD)`);
      }
      const lake = await openArchiveLake({ ...f, market: [f.market] });
      const { runtime } = lake;
      try {
        const market = runtime.catalog.markets.get(f.market);
        const spec = market?.matrix.dataTypes[f.dataType];
        if (!market || !spec) {
          const known = market ? Object.keys(market.matrix.dataTypes) : [...runtime.catalog.markets.keys()];
          throw new CliUsageError(
            market
              ? `--data-type: ${f.market} has no '${f.dataType}' (allowed: ${known.join(", ")})`
              : `--market: '${f.market}' is not a market (allowed: ${known.join(", ")})`,
          );
        }
        const { ListingCache } = await import("@crypto-lakehouse/coverage");
        const c = lake.merged.config;
        const hasLake = c.output_directory !== undefined || c.storage !== undefined;
        const listing = new ListingCache(
          hasLake ? lake.storage : undefined,
          (prefix) => lake.downloader.list(prefix, { delimiter: "/" }),
          { source: lake.source, ...(f.refreshListing ? { maxAgeMs: 0 } : {}) },
        );
        if (f.history || f.listedOn) await printHistory(f, lake, listing, hasLake);
        else await printNames(f, market, spec.partitions, listing);
      } finally {
        await runtime.dispose();
      }
    });
}

/** Today's output: the symbols of the type's folders, one per line (or a JSON array). */
async function printNames(
  f: SymbolsFlags,
  market: MarketPlugin,
  partitions: readonly string[],
  listing: ListingCache,
) {
  const found = new Set<string>();
  for (const p of partitions as ("daily" | "monthly")[]) {
    for (const s of (await listing.folder(market.dataTypePrefix(p, f.dataType))).folders) found.add(s);
  }
  const symbols = [...found].sort();
  process.stdout.write(
    f.json ? `${JSON.stringify(symbols)}\n` : symbols.length ? `${symbols.join("\n")}\n` : "",
  );
  if (!f.json) process.stderr.write(`${symbols.length} ${f.market} ${f.dataType} symbols\n`);
}

async function printHistory(
  f: SymbolsFlags & { market: string },
  { runtime, storage }: ArchiveLake,
  listing: ListingCache,
  hasLake: boolean,
) {
  const { symbolHistory, listedOn, writeSymbolsTable } = await import("@crypto-lakehouse/coverage");
  const history = await symbolHistory({
    catalog: runtime.catalog,
    listing,
    market: f.market,
    dataType: f.dataType,
    ...(f.interval ? { interval: f.interval === "1M" ? "1mo" : f.interval } : {}),
  });
  const stored = hasLake ? await writeSymbolsTable(storage, f.market, f.dataType, history) : undefined;
  const shown = f.listedOn ? listedOn(history, f.listedOn) : history;
  if (f.json) {
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else {
    const rows = shown.map((h) => [h.symbol, h.first, h.last, h.status, h.dailyFiles, h.monthlyFiles]);
    process.stdout.write(`${table(["symbol", "first", "last", "status", "daily", "monthly"], rows)}\n`);
    const delisted = history.filter((h) => h.status === "delisted").length;
    const on = f.listedOn ? `, ${shown.length} listed on ${f.listedOn}` : "";
    process.stderr.write(
      `${history.length} ${f.market} ${f.dataType} symbols (${delisted} delisted)${on}${stored ? `; stored as the \`symbols\` table (${stored})` : ""}\n`,
    );
  }
}
