// `lakehouse sql` reads the lakehouse and nothing else unless --unsafe: no writing statement, no file outside the
// lake, no extension download (nothing under ~/.duckdb), no setting changed — each refused with exit 2 and a clear
// message — while the silver views keep working.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { walk } from "./files.js";
import { type ServedReplica, silverKlinesLake, tempDir } from "./replica-env.js";

const DAY = "2025-06-01";

describe("lakehouse sql is sandboxed", () => {
  let replica: ServedReplica;
  let lake: string;
  /** A folder outside the lake, and HOME for every sql run (DuckDB puts extensions under ~/.duckdb). */
  let outside: string;
  let home: string;
  const sql = (query: string, ...flags: string[]) =>
    lakehouse(["sql", "--output", lake, "--format", "json", ...flags, query], { env: { HOME: home } });

  beforeAll(async () => {
    ({ replica, lake } = await silverKlinesLake(DAY));
    outside = tempDir("lh-sql-outside-");
    home = tempDir("lh-sql-home-");
    writeFileSync(join(outside, "secret.txt"), "not for sql\n");
  }, 120_000);
  afterAll(async () => {
    await replica?.stop();
  });

  it("queries over the silver views, DESCRIBE, SUMMARIZE and EXPLAIN still work", async () => {
    const q = await sql("SELECT symbol, interval, count(*)::INT AS n FROM spot_klines GROUP BY ALL");
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ symbol: "BTCUSDT", interval: "1h", n: 24 }]);
    for (const ok of [
      "DESCRIBE spot_klines",
      "SUMMARIZE SELECT close FROM spot_klines",
      "EXPLAIN SELECT * FROM spot_klines",
      "EXPLAIN ANALYZE SELECT count(*) FROM spot_klines",
      "WITH t AS (FROM spot_klines) SELECT count(*) AS n FROM t",
      // Files of the lake itself can be read directly.
      `SELECT count(*) AS n FROM glob('${lake}/silver/**/*.parquet')`,
    ]) {
      const r = await sql(ok);
      expect(r.code, `${ok}: ${r.stderr}`).toBe(0);
    }
  }, 300_000);

  /** A file outside the lake fails when DuckDB binds the statement, before its kind is known. */
  const OUTSIDE = "outside";
  it.each([
    ["COPY to a file outside the lake", (o: string) => `COPY (SELECT 1 AS x) TO '${o}/x.csv'`, OUTSIDE],
    ["COPY into the lake", (_o: string, l: string) => `COPY (SELECT 1 AS x) TO '${l}/x.csv'`, "COPY"],
    ["ATTACH", (o: string) => `ATTACH '${o}/db.duckdb' AS other`, "ATTACH"],
    ["CREATE TABLE", () => "CREATE TABLE t AS SELECT 1 AS x", "CREATE"],
    ["INSERT after a CREATE", () => "CREATE TABLE t (x INT); INSERT INTO t VALUES (1)", "CREATE"],
    ["EXPORT DATABASE", (_o: string, l: string) => `EXPORT DATABASE '${l}/export'`, "EXPORT"],
    ["INSTALL", () => "INSTALL httpfs", "INSTALL/LOAD"],
    ["LOAD", () => "LOAD httpfs", "INSTALL/LOAD"],
    ["SET", () => "SET enable_external_access = true", "SET"],
    [
      "a write hidden after a query",
      (_o: string, l: string) => `SELECT 1; COPY (SELECT 1) TO '${l}/y.csv'`,
      "COPY",
    ],
    [
      "a write outside hidden after a query",
      (o: string) => `SELECT 1; COPY (SELECT 1) TO '${o}/y.csv'`,
      OUTSIDE,
    ],
    [
      "EXPLAIN ANALYZE of a COPY",
      (_o: string, l: string) => `EXPLAIN ANALYZE COPY (SELECT 1) TO '${l}/z.csv'`,
      "COPY",
    ],
  ])("refuses %s: exit 2, a clear message, nothing written", async (_name, make, kind) => {
    const before = walk(lake).sort();
    const r = await sql(make(outside, lake));
    expect(r.code, r.stderr).toBe(2);
    if (kind === OUTSIDE) {
      expect(r.stderr).toMatch(
        /SQL error: Permission Error: Cannot access file .* disabled by configuration/,
      );
      expect(r.stderr).toContain(`This session reads only the lakehouse (${lake}`);
    } else {
      expect(r.stderr).toContain(
        `SQL refused: the lakehouse is read-only here, and this is a ${kind} statement`,
      );
    }
    expect(r.stderr).toMatch(/--unsafe lifts the sandbox/);
    expect(r.stdout).toBe("");
    expect(walk(lake).sort()).toEqual(before);
    expect(walk(outside)).toEqual([join(outside, "secret.txt")]);
    expect(existsSync(join(home, ".duckdb"))).toBe(false);
  });

  it.each([
    ["read_text of /etc", () => "SELECT * FROM read_text('/etc/hostname')"],
    ["glob of /root", () => "SELECT * FROM glob('/root/*')"],
    ["a file next to the lake", (o: string) => `SELECT * FROM read_text('${o}/secret.txt')`],
    [
      "a path climbing out of the lake",
      (o: string, l: string) => `SELECT * FROM read_csv('${l}/../${o.split("/").pop()}/secret.txt')`,
    ],
    ["the network", () => "SELECT * FROM read_csv('https://data.binance.vision/x.csv')"],
  ])("refuses reading %s (exit 2, what the sandbox allows)", async (_name, make) => {
    const r = await sql(make(outside, lake));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/SQL error: Permission Error/);
    expect(r.stderr).toContain(`This session reads only the lakehouse (${lake}`);
    expect(r.stdout).not.toContain("not for sql");
    expect(existsSync(join(home, ".duckdb"))).toBe(false);
  });

  it("--unsafe lifts it for the lake's owner: COPY writes, files outside are read", async () => {
    const target = join(outside, "unsafe", "out.csv");
    mkdirSync(join(outside, "unsafe"));
    const w = await sql(`COPY (SELECT 42 AS answer) TO '${target}'`, "--unsafe");
    expect(w.code, w.stderr).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("answer\n42\n");
    const r = await sql(`SELECT content FROM read_text('${outside}/secret.txt')`, "--unsafe");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ content: "not for sql\n" }]);
  });
});
