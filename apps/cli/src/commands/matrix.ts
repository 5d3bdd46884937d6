// `lakehouse matrix`: what the archive publishes, per market, data type, partition and interval.
import type { MarketMatrix } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import type { Command } from "commander";
import { repeatable } from "../flags.js";
import { knownMarkets } from "../lake.js";
import { table } from "../table.js";

interface MatrixFlags {
  market?: string[];
  json?: boolean;
  matrix?: string;
  plugin?: string[];
}

export function registerMatrix(program: Command): void {
  program
    .command("matrix")
    .description("show what the archive has: data types per market and partition, intervals, known windows")
    .option("-m, --market <market>", "only this market (repeatable)", repeatable)
    .option("--matrix <file>", "archive matrix file extending/overriding the built-in one")
    .option("--plugin <module>", "load a plugin module (repeatable)", repeatable)
    .option("--json", "print the matrix as JSON")
    .action(async (f: MatrixFlags) => {
      const { windowText } = await import("@crypto-lakehouse/core");
      const { catalog } = await knownMarkets(f);
      const ids = f.market ?? [...catalog.markets.keys()];
      for (const id of ids) {
        if (!catalog.markets.has(id)) {
          throw new LakehouseError(
            "CONFIG_INVALID",
            `--market: '${id}' is not a valid market (valid: ${[...catalog.markets.keys()].join(", ")})`,
          );
        }
      }
      if (f.json) {
        const markets = Object.fromEntries(ids.map((id) => [id, catalog.matrix.markets[id]]));
        process.stdout.write(`${JSON.stringify({ version: 1, markets }, null, 2)}\n`);
        return;
      }
      const out: string[] = [];
      for (const id of ids)
        out.push(renderMarket(id, catalog.market(id).label, catalog.matrix.markets[id]!, windowText));
      process.stdout.write(`${out.join("\n\n")}\n`);
    });
}

function renderMarket(
  id: string,
  label: string,
  m: MarketMatrix,
  windowText: typeof import("@crypto-lakehouse/core").windowText,
): string {
  const rows = Object.entries(m.dataTypes).map(([dt, s]) => {
    const part = (p: "daily" | "monthly") => {
      if (!s.partitions.includes(p)) return "—";
      const w = s.windows?.[p];
      if (w?.empty) return "empty";
      const iv = s.intervals?.[p];
      const text = windowText(p, w);
      const win = text ? ` (${text})` : "";
      return `${iv ? iv.join(" ") : "yes"}${win}`;
    };
    return [dt, part("daily"), part("monthly")];
  });
  return `${label} — market '${id}', archive path data/${m.archivePath}/\n${table(["data type", "daily", "monthly"], rows)}`;
}
