// The SQL sandbox: a session reads the lakehouse and nothing else. DuckDB itself refuses files outside the allowed
// folders, the network and extensions (enable_external_access = false, locked), and statements that write or
// change the session (COPY … TO, ATTACH, CREATE, INSERT, INSTALL, SET …) are refused before they run.
import { LakehouseError } from "@crypto-lakehouse/core";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbApi } from "./duck.js";
import { lit } from "./sql.js";

/** Locks a fresh connection to `dirs` (read and spill there only): no other file, no network, no extension. */
export async function lockDown(connection: DuckDBConnection, dirs: string[], tempDir: string): Promise<void> {
  const folders = dirs.map((d) => lit(d.endsWith("/") ? d : `${d}/`)).join(", ");
  await connection.run(`SET temp_directory = ${lit(tempDir)}`);
  await connection.run(`SET allowed_directories = [${folders}]`);
  await connection.run("SET enable_external_access = false");
  await connection.run("SET lock_configuration = true");
}

/** What `--unsafe` lifts, for messages. */
export const UNSAFE_HINT =
  "--unsafe lifts the sandbox for the lakehouse's owner (DuckDB's full access to files, network and extensions)";

const ALLOWED_TEXT = "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE and EXPLAIN of a query";

function refused(kind: string): LakehouseError {
  return new LakehouseError(
    "CONFIG_INVALID",
    `SQL refused: the lakehouse is read-only here, and this is a ${kind} statement (allowed: ${ALLOWED_TEXT})`,
    { details: [UNSAFE_HINT] },
  );
}

/**
 * Throws CONFIG_INVALID unless every statement of `sql` only reads. Each statement is prepared (bound, not run), so
 * a file outside the allowed folders fails here too, with DuckDB's permission error. EXPLAIN ANALYZE runs the
 * statement it explains: allowed only for a lone query.
 */
export async function assertReadOnly(connection: DuckDBConnection, sql: string): Promise<void> {
  const { StatementType } = duckdbApi();
  const statements = await connection.extractStatements(sql);
  for (let i = 0; i < statements.count; i++) {
    const prepared = await statements.prepare(i);
    const type = prepared.statementType;
    prepared.destroySync();
    // Only SELECT reads (with WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, read-only PRAGMAs).
    if (type === StatementType.SELECT) continue;
    if (type === StatementType.EXPLAIN) {
      // Plain EXPLAIN only plans; with ANALYZE, what follows the keyword must itself only read.
      const analyze = /\banaly[sz]e\b\s*\)?/i.exec(sql);
      if (!analyze) continue;
      if (statements.count > 1) throw refused("EXPLAIN ANALYZE (among several statements)");
      await assertReadOnly(connection, sql.slice(analyze.index + analyze[0].length));
      continue;
    }
    throw refused(type === StatementType.LOAD ? "INSTALL/LOAD" : (StatementType[type] ?? `type ${type}`));
  }
}

/** A DuckDB permission error (a file outside the sandbox) explained, or undefined for other errors. */
export function sandboxHint(message: string, folders: string[]): string | undefined {
  if (!/Permission Error|disabled (by|through) configuration|configuration has been locked/i.test(message))
    return undefined;
  return `This session reads only the lakehouse (${folders.join(", ")}): no other file, no network, no extension, no settings. ${UNSAFE_HINT}.`;
}
