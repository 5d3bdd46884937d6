// `lakehouse symbols`: the symbols the archive really has for a market and data type (from its listing).
import type { Command } from "commander";
import { mergeFlags, type RunFlags } from "../flags.js";

interface SymbolsFlags extends RunFlags {
  dataType: string;
  json?: boolean;
}

export function registerSymbols(program: Command): void {
  program
    .command("symbols")
    .description(
      "list the symbols the archive has for a market and data type (read from the archive listing)",
    )
    .requiredOption("-m, --market <market>", "market: spot, futures_um, futures_cm, options")
    .requiredOption("-t, --data-type <type>", "data type, e.g. klines")
    .option("--endpoint <url>", "S3 endpoint of the archive (default: the real archive)")
    .option("--region <region>", "archive region")
    .option("--bucket <bucket>", "archive bucket")
    .option("--json", "print a JSON array")
    .action(async (f: SymbolsFlags & { market: string }) => {
      const { createRuntime, resolveRun } = await import("@crypto-lakehouse/lakehouse");
      const merged = mergeFlags({ ...f, market: [f.market], dataTypes: f.dataType, symbols: "*" });
      // Dates do not matter for a listing: the default (yesterday) is valid for every market.
      const run = await resolveRun(merged.config, { sources: merged.sources });
      const rt = await createRuntime(run);
      try {
        const market = run.catalog.market(f.market);
        const spec = market.matrix.dataTypes[f.dataType]!;
        const found = new Set<string>();
        for (const p of spec.partitions) {
          for await (const e of rt.downloader.list(market.dataTypePrefix(p, f.dataType), {
            delimiter: "/",
          })) {
            if (e.kind === "prefix") found.add(e.prefix.slice(0, -1).split("/").pop()!);
          }
        }
        const symbols = [...found].sort();
        process.stdout.write(
          f.json ? `${JSON.stringify(symbols)}\n` : symbols.length ? `${symbols.join("\n")}\n` : "",
        );
        if (!f.json) process.stderr.write(`${symbols.length} ${f.market} ${f.dataType} symbols\n`);
      } finally {
        await rt.dispose();
      }
    });
}
