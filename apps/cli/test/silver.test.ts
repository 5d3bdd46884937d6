// collect --silver → sql → gold, as the README shows it, on replica data spanning the spot µs switch.
import type { FileReport } from "@crypto-lakehouse/silver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderFiles } from "../src/commands/silver.js";
import { lakehouse } from "./cli.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

describe("collect → silver → sql → gold", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    // The replica makes its stale CHECKSUM a 1s file when there is one, and its hole in the first series (AAAUSDT):
    // this test collects BTCUSDT 1h only.
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1s", "1h"],
      symbols: { spot: ["AAAUSDT", "BTCUSDT"] },
      start: "2024-12-30",
      end: "2025-01-02",
      partitions: ["daily"],
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("gives one continuous hourly series across 2024-12-31 (ms) and 2025-01-01 (µs)", async () => {
    const out = tempDir("lh-silver-");
    const sel = [
      "--market",
      "spot",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "klines",
      "--intervals",
      "1h",
      "--start",
      "2024-12-30",
      "--end",
      "2025-01-02",
      "--partitions",
      "daily",
    ];
    const c = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...sel,
      "--output",
      out,
      "--silver",
      "--json",
    ]);
    expect(c.code, c.stderr).toBe(0);
    const doc = JSON.parse(c.stdout);
    expect(doc.counts.downloaded).toBe(4);
    expect(doc.silver.counts.failed).toBe(0);
    const keys = (fs: FileReport[]) => fs.map((f) => f.bronzeKey);
    const day = (d: string) => `bronze/spot/klines/daily/BTCUSDT/1h/BTCUSDT-1h-${d}.zip`;
    const days = ["2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02"].map(day);
    expect(keys(doc.silver.files)).toEqual(days);

    // The stored per-file reports for the same selection; a later --start leaves out the first day.
    const r = await lakehouse(["silver", "--report", "--files", "--json", "--output", out, ...sel]);
    expect(r.code, r.stderr).toBe(0);
    const { files } = JSON.parse(r.stdout) as { files: FileReport[] };
    expect(files).toEqual(doc.silver.files);
    for (const [i, f] of files.entries()) {
      expect(f).toMatchObject({
        rows: 24,
        duplicatesDropped: 0,
        header: expect.any(Boolean),
        gaps: { count: 0 },
      });
      expect(f.timeMin).toMatch(new RegExp(`^${days[i]!.slice(-14, -4)}T00:00:00(\\.0+)?Z$`));
      expect(f.timeMax).toMatch(new RegExp(`^${days[i]!.slice(-14, -4)}T23:00:00(\\.0+)?Z$`));
    }
    expect(files.map((f) => f.timeUnit)).toEqual(["ms", "ms", "us", "us"]);
    const narrow = await lakehouse([
      "silver",
      "--report",
      "--files",
      "--json",
      "--output",
      out,
      "--start",
      "2024-12-31",
    ]);
    expect(keys(JSON.parse(narrow.stdout).files)).toEqual(days.slice(1));
    const lines = renderFiles(files).split("\n");
    expect(lines).toHaveLength(2 + 4);
    expect(lines[2]).toMatch(
      /^spot\/klines\/BTCUSDT\/1h\/2024-12-30\s+24\s+2024-12-30 00:00:00\s+2024-12-30 23:00:00\s+0\s+.*none$/,
    );

    const q = await lakehouse([
      "sql",
      "--output",
      out,
      "--format",
      "json",
      "SELECT count(*)::INT AS n, min(open_time)::VARCHAR AS first, max(open_time)::VARCHAR AS last, count(DISTINCT date_diff('minute', lag_t, open_time))::INT AS steps FROM (SELECT open_time, lag(open_time) OVER (ORDER BY open_time) AS lag_t FROM spot_klines) WHERE lag_t IS NOT NULL OR true",
    ]);
    expect(q.code, q.stderr).toBe(0);
    const [row] = JSON.parse(q.stdout);
    expect(row.n).toBe(96);
    expect(row.first).toMatch(/^2024-12-30 00:00:00/);
    expect(row.last).toMatch(/^2025-01-02 23:00:00/);
    expect(row.steps).toBe(1); // every bar one hour after the previous: no ms/µs jump at the switch

    const g = await lakehouse(["gold", "--output", out, "--json"]);
    expect(g.code, g.stderr).toBe(0);
    const daily = JSON.parse(
      (
        await lakehouse([
          "sql",
          "--output",
          out,
          "--format",
          "json",
          "SELECT count(*)::INT AS days FROM gold_daily_ohlcv",
        ])
      ).stdout,
    );
    expect(daily[0].days).toBe(4);
  }, 180_000);
});
