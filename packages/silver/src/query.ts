// SQL over the lakehouse: one DuckDB session with a view per silver table (`spot_klines`) and gold table
// (`gold_daily_ohlcv`), and the lakehouse's own tables kept under `_meta/tables/<name>/` (`coverage`, `symbols`,
// written by @crypto-lakehouse/coverage) by their folder's name. Remote stores are mirrored into a local cache first (changed objects only).
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { LakehouseError, type StorageBackend } from "@crypto-lakehouse/core";
import type { DuckDBConnection } from "@duckdb/node-api";
import { type Duck, duckdbApi, openDuck } from "./duck.js";
import { GOLD, SILVER, viewName } from "./layout.js";
import { assertReadOnly, lockDown, sandboxHint } from "./sandbox.js";
import { ident, lit } from "./sql.js";

export interface SqlSessionOptions {
  /** Where a remote store's Parquet files are mirrored (default `~/.cache/crypto-lakehouse/<hash of location>`). */
  cacheDir?: string;
  threads?: number;
  memoryLimitMb?: number;
  /**
   * Lifts the sandbox: by default the session reads the lakehouse and nothing else (no other file, no network, no
   * extension, no setting) and `streamQuery` runs reading statements only. For the lakehouse's owner.
   */
  unsafe?: boolean;
  /** More folders the session may read and write besides the lakehouse (where `buildGold` writes its parts). */
  scratchDirs?: string[];
}

export interface TableView {
  view: string;
  /** `silver`, `gold`, or `meta` (`_meta/tables/<name>/`: coverage, symbols). */
  layer: "silver" | "gold" | "meta";
  /** Table folder key, e.g. `silver/spot/klines/`. */
  prefix: string;
  files: number;
  bytes: number;
}

export interface SqlSession {
  duck: Duck;
  connection: DuckDBConnection;
  views: TableView[];
  /** Local folder holding `silver/` and `gold/` (the lakehouse root itself when local). */
  root: string;
  /** False unless opened with `unsafe`: then DuckDB reads only `allowedDirs` and `streamQuery` only reads. */
  unsafe: boolean;
  /** What a sandboxed session may read: the lakehouse (or its local mirror), its scratch folders. */
  allowedDirs: string[];
  close(): void;
}

/** Where the lakehouse's own SQL tables live: `_meta/tables/<name>/*.parquet` is the view `<name>`. */
const META_TABLES = "_meta/tables";

/** Tables found under `silver/<market>/<dataType>/`, `gold/<table>/` and `_meta/tables/<name>/`, with their Parquet objects. */
async function findTables(
  storage: StorageBackend,
): Promise<Map<string, { view: TableView; keys: { key: string; size: number; stamp: string }[] }>> {
  const tables = new Map<string, { view: TableView; keys: { key: string; size: number; stamp: string }[] }>();
  const add = (
    prefix: string,
    view: string,
    layer: TableView["layer"],
    key: string,
    size: number,
    stamp: string,
  ) => {
    let t = tables.get(prefix);
    if (!t) {
      t = { view: { view, layer, prefix, files: 0, bytes: 0 }, keys: [] };
      tables.set(prefix, t);
    }
    t.view.files++;
    t.view.bytes += size;
    t.keys.push({ key, size, stamp });
  };
  for (const layer of [SILVER, GOLD, META_TABLES] as const) {
    for await (const o of storage.list(`${layer}/`)) {
      if (!o.key.endsWith(".parquet")) continue;
      const parts = o.key.split("/");
      const stamp = o.etag ?? o.lastModified?.toISOString() ?? "";
      if (layer === SILVER && parts.length >= 4) {
        add(
          `${SILVER}/${parts[1]}/${parts[2]}/`,
          viewName(parts[1]!, parts[2]!),
          "silver",
          o.key,
          o.size,
          stamp,
        );
      } else if (layer === GOLD && parts.length >= 3) {
        add(`${GOLD}/${parts[1]}/`, `gold_${parts[1]}`, "gold", o.key, o.size, stamp);
      } else if (layer === META_TABLES && parts.length === 4) {
        add(`${META_TABLES}/${parts[2]}/`, parts[2]!, "meta", o.key, o.size, stamp);
      }
    }
  }
  return tables;
}

function defaultCacheDir(location: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "crypto-lakehouse", createHash("sha256").update(location).digest("hex").slice(0, 16));
}

/** Copies changed Parquet objects of a remote store into `dir` (same keys), and drops ones gone remotely. */
async function mirror(
  storage: StorageBackend,
  dir: string,
  keys: { key: string; size: number; stamp: string }[],
): Promise<void> {
  const indexPath = join(dir, ".mirror.json");
  const index: Record<string, string> = await readFile(indexPath, "utf8").then(
    (t) => JSON.parse(t) as Record<string, string>,
    () => ({}),
  );
  const next: Record<string, string> = {};
  for (const k of keys) {
    const sig = `${k.size}|${k.stamp}`;
    const path = join(dir, ...k.key.split("/"));
    const have =
      index[k.key] === sig &&
      (await stat(path).then(
        (s) => s.size === k.size,
        () => false,
      ));
    if (!have) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.part`;
      await pipeline(await storage.get(k.key), createWriteStream(tmp));
      await rename(tmp, path);
    }
    next[k.key] = sig;
  }
  for (const key of Object.keys(index))
    if (!(key in next)) await rm(join(dir, ...key.split("/")), { force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(indexPath, JSON.stringify(next));
}

/** The view over a table's Parquet files; `intervals`: a silver table of kline-class files, partitioned by interval. */
function viewSql(v: TableView, root: string, intervals: boolean): string {
  const glob = join(root, ...v.prefix.split("/").filter(Boolean), "**", "*.parquet");
  if (v.layer === "meta") {
    return `CREATE OR REPLACE VIEW ${ident(v.view)} AS SELECT * FROM read_parquet(${lit(glob)}, union_by_name = true)`;
  }
  if (v.layer === "gold") {
    // Gold tables are partitioned by market.
    return (
      `CREATE OR REPLACE VIEW ${ident(v.view)} AS SELECT market, * EXCLUDE (market) ` +
      `FROM read_parquet(${lit(glob)}, hive_partitioning = true, hive_types = {'market': VARCHAR})`
    );
  }
  const kline = intervals;
  const hive = kline
    ? "{'symbol': VARCHAR, 'interval': VARCHAR, 'month': VARCHAR}"
    : "{'symbol': VARCHAR, 'month': VARCHAR}";
  const lead = kline ? "symbol, interval" : "symbol";
  return (
    `CREATE OR REPLACE VIEW ${ident(v.view)} AS SELECT ${lead}, * EXCLUDE (${lead}) ` +
    `FROM read_parquet(${lit(glob)}, hive_partitioning = true, hive_types = ${hive})`
  );
}

/** Opens DuckDB with every silver and gold table of the lakehouse as a view. */
export async function openSqlSession(
  storage: StorageBackend,
  opts: SqlSessionOptions = {},
): Promise<SqlSession> {
  const tables = await findTables(storage);
  let root = storage.localPath?.("silver") ? dirname(storage.localPath("silver")!) : undefined;
  if (!root) {
    root = opts.cacheDir ?? defaultCacheDir(storage.location);
    try {
      await mirror(
        storage,
        root,
        [...tables.values()].flatMap((t) => t.keys),
      );
    } catch (e) {
      throw new LakehouseError(
        "STORAGE_FAILED",
        `Cannot mirror silver/gold from ${storage.location} into ${root}: ${(e as Error).message}`,
        {
          cause: e,
          details: ["Check the store is reachable and the cache folder writable (--cache-dir)."],
        },
      );
    }
  }
  const duck = await openDuck({ threads: opts.threads ?? 2, memoryLimitMb: opts.memoryLimitMb ?? 1024 });
  const views = [...tables.values()].map((t) => t.view).sort((a, b) => (a.view < b.view ? -1 : 1));
  const unsafe = opts.unsafe === true;
  // DuckDB spills here when a query outgrows its memory: the one folder it writes to besides scratchDirs.
  const spill = unsafe ? undefined : await mkdtemp(join(tmpdir(), "lakehouse-sql-"));
  const allowedDirs = [resolve(root), ...(opts.scratchDirs ?? []).map((d) => resolve(d))];
  const close = () => {
    duck.close();
    if (spill) void rm(spill, { recursive: true, force: true });
  };
  try {
    // Kline-class tables are the ones laid out by interval (`…/symbol=<S>/interval=<I>/…`).
    const byInterval = new Set(
      [...tables.values()]
        .filter((t) => t.keys.some((k) => k.key.includes("/interval=")))
        .map((t) => t.view.prefix),
    );
    for (const v of views) await duck.exec(viewSql(v, root, byInterval.has(v.prefix)));
    if (spill) await lockDown(duck.connection, [...allowedDirs, spill], spill);
  } catch (e) {
    close();
    throw e;
  }
  return { duck, connection: duck.connection, views, root, unsafe, allowedDirs, close };
}

/** Why a query failed, with what the sandbox allows when it was the sandbox that said no. */
export function explainQueryError(session: SqlSession, message: string): string[] {
  const hint = session.unsafe ? undefined : sandboxHint(message, session.allowedDirs);
  return hint ? [hint] : [];
}

/** Integer types a JS number may not hold exactly. */
function wideIntegers(): Set<number> {
  const { DuckDBTypeId: T } = duckdbApi();
  return new Set<number>([T.BIGINT, T.UBIGINT, T.HUGEINT, T.UHUGEINT]);
}

export interface QueryStream {
  columns: string[];
  /** DuckDB type of each column (`DECIMAL(38,18)`, `TIMESTAMP WITH TIME ZONE` …). */
  types: string[];
  /** Rows in chunks: numbers where exact (wide integers only while safe), decimals and times as text, NULL as null. */
  rows: AsyncIterable<unknown[][]>;
}

/**
 * Runs a query, streaming its rows as JSON-ready values. A sandboxed session (the default) refuses any statement
 * that is not a query (CONFIG_INVALID) before running anything.
 */
export async function streamQuery(session: SqlSession, sql: string): Promise<QueryStream> {
  if (!session.unsafe) await assertReadOnly(session.connection, sql);
  const result = await session.connection.stream(sql);
  const columns = result.columnNames();
  const wideTypes = wideIntegers();
  const wide = result.columnTypes().map((t) => wideTypes.has(t.typeId));
  async function* rows(): AsyncIterable<unknown[][]> {
    for await (const chunk of result.yieldRowsJson()) {
      yield chunk.map((row) =>
        row.map((v, i) =>
          wide[i] && typeof v === "string" && Number.isSafeInteger(Number(v)) ? Number(v) : v,
        ),
      );
    }
  }
  return { columns, types: result.columnTypes().map((t) => t.toString()), rows: rows() };
}
