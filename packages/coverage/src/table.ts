// SQL tables kept in the lakehouse's `_meta/tables/<name>/` as Parquet, which `lakehouse sql` shows as views
// (`coverage`, `symbols`). Rows are streamed to a temporary CSV and converted by DuckDB (loaded only here).
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { META, type StorageBackend } from "@crypto-lakehouse/core";

/** Where the Parquet files of the SQL table `name` live. */
export function metaTableFolder(name: string): string {
  return `${META}/tables/${name}/`;
}

export interface TableColumn {
  name: string;
  /** DuckDB type: VARCHAR, BIGINT, DATE … */
  type: string;
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Collects rows into a temporary CSV; `finish` turns it into `<folder><file>.parquet` in the store. */
export class ParquetTableWriter {
  private dir?: string;
  private out?: ReturnType<typeof createWriteStream>;
  rows = 0;

  constructor(
    private readonly storage: StorageBackend,
    private readonly key: string,
    private readonly columns: readonly TableColumn[],
  ) {}

  private async open(): Promise<ReturnType<typeof createWriteStream>> {
    if (!this.out) {
      this.dir = await mkdtemp(join(tmpdir(), "lh-table-"));
      this.out = createWriteStream(join(this.dir, "rows.csv"));
    }
    return this.out;
  }

  async add(values: readonly unknown[]): Promise<void> {
    const out = await this.open();
    this.rows++;
    if (!out.write(`${values.map(csvCell).join(",")}\n`))
      await new Promise<void>((r) => out.once("drain", () => r()));
  }

  /** Writes the Parquet file (also with no rows: an empty table) and removes the temporary files. */
  async finish(): Promise<void> {
    const out = await this.open();
    out.end();
    await finished(out);
    const dir = this.dir!;
    try {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const db = await DuckDBInstance.create(":memory:", {
        threads: "1",
        memory_limit: "256MB",
        autoinstall_known_extensions: "false",
        autoload_known_extensions: "false",
      });
      const con = await db.connect();
      try {
        const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
        const cols = this.columns.map((c) => `${lit(c.name)}: ${lit(c.type)}`).join(", ");
        const parquet = join(dir, "table.parquet");
        await con.run(
          `COPY (SELECT * FROM read_csv(${lit(join(dir, "rows.csv"))}, header = false, columns = {${cols}}, ` +
            `auto_detect = false, quote = '"', escape = '"', nullstr = '')) TO ${lit(parquet)} ` +
            "(FORMAT parquet, COMPRESSION zstd)",
        );
        await this.storage.put(this.key, { path: parquet, consume: true });
      } finally {
        con.closeSync();
        db.closeSync();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Drops the temporary files without writing (an interrupted report). */
  async abort(): Promise<void> {
    this.out?.destroy();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
