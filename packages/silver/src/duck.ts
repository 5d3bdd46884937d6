// One embedded DuckDB per silver build / SQL session: few threads, bounded memory, UTC, and no extension is ever
// installed or fetched (parquet, icu and json are built into @duckdb/node-api), so nothing reaches the network.
// DuckDB is loaded on first use: commands that never open it (and every command's start-up) do not pay for it.
import { createRequire } from "node:module";
import { LakehouseError } from "@crypto-lakehouse/core";
import type * as DuckDBApi from "@duckdb/node-api";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

let api: typeof DuckDBApi | undefined;

/**
 * @duckdb/node-api, loaded once. Through `require`: an ESM import of this CommonJS package makes Node lex its
 * 1.6 MB of JavaScript for named exports first, which costs more than loading it.
 */
export function duckdbApi(): typeof DuckDBApi {
  api ??= createRequire(import.meta.url)("@duckdb/node-api") as typeof DuckDBApi;
  return api;
}

export interface DuckOptions {
  threads?: number;
  memoryLimitMb?: number;
  /** Where DuckDB spills when a query outgrows the memory limit. */
  tempDirectory?: string;
}

export interface Duck {
  connection: DuckDBConnection;
  /** Runs statements, returning nothing. */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows as JSON-safe objects (decimals and big integers as strings). */
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function openDuck(o: DuckOptions = {}): Promise<Duck> {
  const config: Record<string, string> = {
    threads: String(o.threads ?? 1),
    memory_limit: `${o.memoryLimitMb ?? 256}MB`,
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  };
  if (o.tempDirectory) config.temp_directory = o.tempDirectory;
  let instance: DuckDBInstance;
  try {
    instance = await duckdbApi().DuckDBInstance.create(":memory:", config);
  } catch (e) {
    throw new LakehouseError("INTERNAL", `Cannot start DuckDB: ${(e as Error).message}`, { cause: e });
  }
  const connection = await instance.connect();
  // TIMESTAMP → TIMESTAMPTZ casts and strftime use the session time zone (ICU is built in).
  await connection.run("SET TimeZone = 'UTC'");
  return {
    connection,
    async exec(sql) {
      await connection.run(sql);
    },
    async rows<T>(sql: string) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as T[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** DuckDB's messages carry a hint block meant for its own CLI; keep the first lines, which say what and where. */
export function cleanDuckError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg.split("\n").filter((l) => l.trim() !== "");
  const cut = lines.findIndex((l) =>
    /^(Possible solutions|Column .* is being converted|This type was)/.test(l),
  );
  return (cut > 0 ? lines.slice(0, cut) : lines.slice(0, 4)).join(" | ");
}
