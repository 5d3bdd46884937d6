// `lakehouse sql "SELECT …"`: DuckDB SQL with every silver and gold table as a view (spot_klines, gold_daily_ohlcv …).
import { readFileSync } from "node:fs";
import { LakehouseError } from "@crypto-lakehouse/core/errors";
import type { QueryStream, SqlSession } from "@crypto-lakehouse/silver";
import { type Command, Option } from "commander";
import { addLakeFlags } from "../flags.js";
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
  addLakeFlags(
    program
      .command("sql")
      .description(
        "run DuckDB SQL over the lakehouse: every silver table is a view (spot_klines, futures_um_fundingRate …)",
      )
      .argument("[query]", "SQL to run ('-' reads it from stdin); without it, the tables are listed"),
  )
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
    .action(runSql);
}

async function runSql(query: string | undefined, f: SqlFlags): Promise<void> {
  const threads = f.threads !== undefined ? Number(f.threads) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new LakehouseError("CONFIG_INVALID", `--threads: expected a whole number ≥ 1, got '${f.threads}'`);
  }
  const { session, location } = await openSession(f, threads);
  const write = stdoutWriter();
  try {
    if (!query) return await listViews(session, location, write);
    const sql = query === "-" ? readFileSync(0, "utf8") : query;
    const result = await runQuery(session, sql);
    const format = f.format ?? "table";
    if (format === "table") {
      const max = f.maxRows !== undefined ? Number(f.maxRows) : 1000;
      await writeTable(result, max, write);
    } else await writeAll(result, format, write);
  } finally {
    session.close();
  }
}

type Write = (s: string) => Promise<void>;

/** Writes to stdout, waiting when the pipe is full (a large result into `head` or a slow reader). */
function stdoutWriter(): Write {
  const out = process.stdout;
  return async (s) => {
    if (!out.write(s)) await new Promise((r) => out.once("drain", r));
  };
}

/** A session over the lakehouse the flags point at; it mirrors what it reads, so the store is closed once it is open. */
async function openSession(
  f: SqlFlags,
  threads: number | undefined,
): Promise<{ session: SqlSession; location: string }> {
  const { openSqlSession } = await import("@crypto-lakehouse/silver");
  const { runtime } = await lakeRuntime(f);
  try {
    const storage = await runtime.storage();
    const session = await openSqlSession(storage, {
      ...(f.cacheDir ? { cacheDir: f.cacheDir } : {}),
      ...(threads ? { threads } : {}),
      ...(f.unsafe ? { unsafe: true } : {}),
    });
    return { session, location: storage.location };
  } finally {
    await runtime.dispose();
  }
}

/** Without a query: the views there are, and an example to start from. */
async function listViews(session: SqlSession, location: string, write: Write): Promise<void> {
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
}

/** Starts the query; DuckDB's errors become CONFIG_INVALID (exit 2) with hints and the views there are. */
async function runQuery(session: SqlSession, sql: string): Promise<QueryStream> {
  const { cleanDuckError, explainQueryError, streamQuery } = await import("@crypto-lakehouse/silver");
  try {
    return await streamQuery(session, sql);
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
}

/** `--format csv|json`: every row, streamed. */
async function writeAll(result: QueryStream, format: "csv" | "json", write: Write): Promise<void> {
  const names = result.columns;
  let total = 0;
  if (format === "csv") await write(`${names.map(csvCell).join(",")}\n`);
  else await write("[");
  for await (const rows of result.rows) {
    for (const row of rows) {
      if (format === "csv") await write(`${row.map(csvCell).join(",")}\n`);
      else {
        const obj = Object.fromEntries(names.map((n, i) => [n, row[i] ?? null]));
        await write(`${total ? "," : ""}\n  ${JSON.stringify(obj)}`);
      }
      total++;
    }
  }
  if (format === "json") await write(total ? "\n]\n" : "]\n");
}

/** `--format table`: the first `max` rows as a table, and how many there were in all. */
async function writeTable(result: QueryStream, max: number, write: Write): Promise<void> {
  // Tables are for reading: decimals lose their trailing zeros there (still exact); csv and json keep them.
  const decimal = result.types.map((t) => t.startsWith("DECIMAL"));
  const display = (v: unknown, i: number) =>
    decimal[i] && typeof v === "string" && v.includes(".")
      ? v.replace(/0+$/, "").replace(/\.$/, "")
      : tableCell(v);
  const shown: string[][] = [];
  let total = 0;
  for await (const rows of result.rows) {
    for (const row of rows) {
      if (shown.length < max) shown.push(row.map(display));
      total++;
    }
  }
  await write(
    `${table(result.columns, shown)}\n(${total} row${total === 1 ? "" : "s"}${total > shown.length ? `, first ${shown.length} shown; use --format csv for all` : ""})\n`,
  );
}
