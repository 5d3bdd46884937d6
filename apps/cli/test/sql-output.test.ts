// What `lakehouse sql` prints: the views without a query (or what to run when there are none), a table for people
// (--max-rows, decimals without trailing zeros, NULL), csv and json for scripts (every row, exact values), and a
// bad query or --threads as exit 2 naming what was wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { type ServedReplica, silverKlinesLake, tempDir } from "./replica-env.js";

const DAY = "2025-06-01";

describe("lakehouse sql output", () => {
  let replica: ServedReplica;
  let lake: string;
  let home: string;
  const sql = (...args: string[]) => lakehouse(["sql", "--output", lake, ...args], { env: { HOME: home } });

  beforeAll(async () => {
    ({ replica, lake } = await silverKlinesLake(DAY));
    home = tempDir("lh-sql-out-home-");
  }, 120_000);
  afterAll(async () => {
    await replica?.stop();
  });

  it("without a query lists the views and an example; an empty lake says what to run", async () => {
    const list = await sql();
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.split("\n");
    expect(lines[0]).toMatch(/^view\s+layer\s+files\s+size$/);
    expect(lines.some((l) => /^spot_klines\s+silver\s+1\s+\S/.test(l))).toBe(true);
    expect(list.stdout).toContain(
      'Example: lakehouse sql "SELECT symbol, count(*) FROM spot_klines GROUP BY ALL"\n',
    );

    const empty = tempDir("lh-sql-empty-");
    const none = await lakehouse(["sql", "--output", empty], { env: { HOME: home } });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe(
      `No silver or gold tables in ${empty} yet: run \`lakehouse silver\` after \`lakehouse collect\`.\n`,
    );
  });

  it("--format table shows --max-rows rows and the count; decimals lose trailing zeros, NULL is spelled out", async () => {
    const t = await sql("--max-rows", "5", "SELECT open_time FROM spot_klines ORDER BY open_time");
    expect(t.code, t.stderr).toBe(0);
    const lines = t.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("(24 rows, first 5 shown; use --format csv for all)");
    expect(lines).toHaveLength(2 + 5 + 1);

    const d = await sql("SELECT 1.50::DECIMAL(10,2) AS d, 2.00::DECIMAL(10,2) AS w, NULL AS x, 'a' AS s");
    expect(d.code, d.stderr).toBe(0);
    const [head, , row, count] = d.stdout.split("\n");
    expect(head!.split(/\s+/)).toEqual(["d", "w", "x", "s"]);
    expect(row!.trim().split(/\s+/)).toEqual(["1.5", "2", "NULL", "a"]);
    expect(count).toBe("(1 row)");
  });

  it("--format csv and json print every row with exact values", async () => {
    const csv = await sql(
      "--format",
      "csv",
      "--max-rows",
      "1",
      `SELECT 1.50::DECIMAL(10,2) AS d, NULL AS x, 'a,"b"' AS s UNION ALL SELECT 3, 4, 'c'`,
    );
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('d,x,s\n1.50,,"a,""b"""\n3.00,4,c\n');

    const json = await sql("--format", "json", "SELECT 1.50::DECIMAL(10,2) AS d, NULL AS x");
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe('[\n  {"d":"1.50","x":null}\n]\n');
    const noRows = await sql("--format", "json", "SELECT 1 AS n WHERE false");
    expect(noRows.stdout).toBe("[]\n");
  });

  it("a bad query or --threads is exit 2 naming what was wrong", async () => {
    const bad = await sql("SELECT nope FROM spot_klines");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("SQL error:");
    expect(bad.stderr).toContain("Views: spot_klines");
    const threads = await sql("--threads", "0", "SELECT 1");
    expect(threads.code).toBe(2);
    expect(threads.stderr).toContain("--threads: expected a whole number ≥ 1, got '0'");
  });
});
