// `lakehouse sql "SELECT …"`: DuckDB SQL with every silver and gold table as a view (spot_klines, gold_daily_ohlcv …).
import { readFileSync } from "node:fs";
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import { type Command, Option } from "commander";
import { lakeRuntime } from "../lake.js";
import { formatBytes, table } from "../table.js";
import type { LakeFlags } from "./silver.js";

interface SqlFlags extends LakeFlags {
  format?: "table" | "csv" | "json";
  cacheDir?: string;
  maxRows?: string;
  threads?: string;
  unsafe?: boolean;
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

const tableCell = (v: unknown): string =>
  v === null || v === undefined ? "NULL" : typeof v === "string" ? v : JSON.stringify(v);

export function registerSql(program: Command): void {
  program
    .command("sql")
    .description(
      "run DuckDB SQL over the lakehouse: every silver table is a view (spot_klines, futures_um_fundingRate …)",
    )
    .argument("[query]", "SQL to run ('-' reads it from stdin); without it, the tables are listed")
    .option("-o, --output <dir|s3://bucket/prefix>", "lakehouse root (output_directory)")
    .option("-c, --config <file>", "JSON config file (for output_directory / storage)")
    .addOption(
      new Option("--format <format>", "result format (default: table)").choices(["table", "csv", "json"]),
    )
    .option("--max-rows <n>", "rows shown by --format table (default 1000; csv and json print all)")
    .option(
      "--cache-dir <dir>",
      "where a remote store's Parquet files are mirrored (default ~/.cache/crypto-lakehouse/…)",
    )
    .option("--threads <n>", "DuckDB threads (default 2)")
    .option(
      "--unsafe",
      "lift the sandbox (for the lakehouse's owner): any statement, any file, network and extensions; by default a query reads the lakehouse only",
    )
    .action(async (query: string | undefined, f: SqlFlags) => {
      const { openSqlSession, cleanDuckError, explainQueryError, streamQuery } = await import(
        "@crypto-lakehouse/silver"
      );
      const threads = f.threads !== undefined ? Number(f.threads) : undefined;
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
        throw new LakehouseError(
          "CONFIG_INVALID",
          `--threads: expected a whole number ≥ 1, got '${f.threads}'`,
        );
      }
      // The session mirrors what it reads; the store is closed once it is open.
      const { runtime } = await lakeRuntime(f);
      let location: string;
      let session: Awaited<ReturnType<typeof openSqlSession>>;
      try {
        const storage = await runtime.storage();
        location = storage.location;
        session = await openSqlSession(storage, {
          ...(f.cacheDir ? { cacheDir: f.cacheDir } : {}),
          ...(threads ? { threads } : {}),
          ...(f.unsafe ? { unsafe: true } : {}),
        });
      } finally {
        await runtime.dispose();
      }
      const out = process.stdout;
      const write = async (s: string) => {
        if (!out.write(s)) await new Promise((r) => out.once("drain", r));
      };
      try {
        if (!query) {
          if (session.views.length === 0) {
            await write(
              `No silver or gold tables in ${location} yet: run \`lakehouse silver\` after \`lakehouse collect\`.\n`,
            );
            return;
          }
          const rows = session.views.map((v) => [v.view, v.layer, v.files, formatBytes(v.bytes)]);
          await write(
            `${table(["view", "layer", "files", "size"], rows)}\n\nExample: lakehouse sql "SELECT symbol, count(*) FROM ${session.views[0]!.view} GROUP BY ALL"\n`,
          );
          return;
        }
        const sql = query === "-" ? readFileSync(0, "utf8") : query;
        let result: Awaited<ReturnType<typeof streamQuery>>;
        try {
          result = await streamQuery(session, sql);
        } catch (e) {
          if (e instanceof LakehouseError) throw e;
          const message = cleanDuckError(e);
          throw new LakehouseError("CONFIG_INVALID", `SQL error: ${message}`, {
            details: [
              ...explainQueryError(session, message),
              `Views: ${session.views.map((v) => v.view).join(", ") || "(none)"}`,
            ],
          });
        }
        const names = result.columns;
        // Tables are for reading: decimals lose their trailing zeros there (still exact); csv and json keep them.
        const decimal = result.types.map((t) => t.startsWith("DECIMAL"));
        const display = (v: unknown, i: number) =>
          decimal[i] && typeof v === "string" && v.includes(".")
            ? v.replace(/0+$/, "").replace(/\.$/, "")
            : tableCell(v);
        const format = f.format ?? "table";
        const max = f.maxRows !== undefined ? Number(f.maxRows) : 1000;
        const shown: string[][] = [];
        let total = 0;
        if (format === "csv") await write(`${names.map(csvCell).join(",")}\n`);
        if (format === "json") await write("[");
        for await (const rows of result.rows) {
          for (const row of rows) {
            if (format === "csv") await write(`${row.map(csvCell).join(",")}\n`);
            else if (format === "json") {
              const obj = Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]));
              await write(`${total ? "," : ""}\n  ${JSON.stringify(obj)}`);
            } else if (shown.length < max) shown.push(row.map(display));
            total++;
          }
        }
        if (format === "json") await write(total ? "\n]\n" : "]\n");
        if (format === "table") {
          await write(
            `${table(names, shown)}\n(${total} row${total === 1 ? "" : "s"}${total > shown.length ? `, first ${shown.length} shown; use --format csv for all` : ""})\n`,
          );
        }
      } finally {
        session.close();
      }
    });
}
