// `lakehouse coverage` and `lakehouse symbols --history` end to end through versitygw: a replica with holes, a
// stale CHECKSUM, a corrupt zip and a delisted symbol, collected in parts, gives each day its state; the HTML
// report renders in headless Chromium with those cells coloured.
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { addDays, lastDayOfMonth, monthOf, nextMonth, toDayNumber, todayUtc } from "@crypto-lakehouse/core";
import type { ClientData, CoverageCell, CoverageSummary } from "@crypto-lakehouse/coverage";
import { STATE_COLORS } from "@crypto-lakehouse/coverage";
import { launchChromium } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

// Dates relative to today, so the newest days are really too recent to be published (pending).
const today = todayUtc();
const end = addDays(today, -3);
const start = `${monthOf(addDays(today, -75))}-01`;
const delistedOn = addDays(start, 40);
const wholeMonths: string[] = [];
for (let m = monthOf(start); lastDayOfMonth(m) <= end; m = nextMonth(m)) wholeMonths.push(m);
const corruptDay = addDays(start, 5);
const fileKey = (symbol: string, period: string, partition = "daily") =>
  `data/spot/${partition}/klines/${symbol}/1d/${symbol}-1d-${period}.zip`;

describe("coverage and symbol history against a replica with holes and a delisted symbol", () => {
  let replica: ServedReplica;
  let lake: string;
  let cells: Map<string, CoverageCell>;
  let summary: CoverageSummary;
  const ep = () => ["--endpoint", replica.endpoint, "--output", lake];
  const sql = async (format: string, query: string) => {
    const r = await lakehouse(["sql", "--output", lake, "--format", format, query]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  const cell = (symbol: string, period: string, partition = "daily") =>
    cells.get(`${symbol}/${partition}/${period}`);

  beforeAll(async () => {
    replica = await serveReplica(
      {
        markets: ["spot"],
        dataTypes: ["klines"],
        symbols: { spot: ["BTCUSDT", "ETHUSDT", "XRPUSDT"] },
        intervals: ["1d"],
        start,
        end,
        delisted: [{ symbol: "XRPUSDT", lastDay: delistedOn }],
      },
      // A zip the archive serves damaged, with a CHECKSUM that matches the damage: its collect fails.
      async (bucket) => {
        const key = fileKey("BTCUSDT", corruptDay);
        const bytes = readFileSync(join(bucket, key)).subarray(0, 40);
        writeFileSync(join(bucket, key), bytes);
        const sha = createHash("sha256").update(bytes).digest("hex");
        writeFileSync(join(bucket, `${key}.CHECKSUM`), `${sha}  ${key.split("/").pop()}`);
      },
    );
    lake = tempDir("lh-coverage-");
    const sel = (symbols: string, from: string, to: string, partitions: string) =>
      selection({
        market: "spot",
        symbols,
        dataTypes: "klines",
        intervals: "1d",
        start: from,
        end: to,
        partitions,
      });
    const runs = [
      sel("BTCUSDT", start, end, "daily"),
      sel("XRPUSDT", start, addDays(start, 20), "daily"),
      sel("ETHUSDT", start, end, "monthly"),
      [...sel("ETHUSDT", addDays(end, -1), end, "daily"), "--no-checksum"],
    ];
    for (const args of runs) {
      const r = await lakehouse(["collect", ...args, ...ep(), "--json"]);
      expect(r.code, r.stderr).toBeLessThanOrEqual(1);
    }
    const r = await lakehouse(["coverage", ...ep(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { cells: CoverageCell[]; summary: CoverageSummary };
    summary = out.summary;
    cells = new Map(out.cells.map((c) => [`${c.symbol}/${c.partition}/${c.period}`, c]));
  }, 300_000);
  afterAll(async () => {
    await replica?.stop();
  });

  it("gives each day and month its state, with sizes and the last attempt's reason", () => {
    const [dailyHole, monthlyHole] = replica.manifest.holes;
    const holeDay = dailyHole!.slice(-14, -4);
    expect(dailyHole).toBe(fileKey("BTCUSDT", holeDay));
    expect(cell("BTCUSDT", holeDay)).toMatchObject({ state: "hole", key: dailyHole });
    expect(cell("BTCUSDT", start)).toMatchObject({ state: "quarantined" });
    expect(cell("BTCUSDT", start)?.reason).toMatch(/does not match \.CHECKSUM/);
    expect(cell("BTCUSDT", corruptDay)).toMatchObject({ state: "failed" });
    expect(cell("BTCUSDT", corruptDay)?.reason).toMatch(/corrupt zip/);
    const stored = replica.manifest.files.find((f) => f.key === fileKey("BTCUSDT", addDays(start, 1)))!;
    expect(cell("BTCUSDT", addDays(start, 1))).toMatchObject({ state: "verified", size: stored.size });
    expect(cell("BTCUSDT", end)?.state).toBe("verified");
    // Not published yet: the series goes on to yesterday.
    expect(cell("BTCUSDT", addDays(today, -2))?.state).toBe("pending");
    expect(cell("BTCUSDT", addDays(today, -1))?.state).toBe("pending");
    expect(cell("BTCUSDT", today)).toBeUndefined();
    // Monthly files: one the archive lacks between two it has, and ones never collected.
    const holeMonth = monthlyHole!.slice(-11, -4);
    expect(cell("BTCUSDT", holeMonth, "monthly")?.state).toBe("hole");
    const other = wholeMonths.find((m) => m !== holeMonth)!;
    expect(cell("BTCUSDT", other, "monthly")?.state).toBe("not_collected");
    // The delisted symbol: collected for 21 days, the archive has it to its last day, nothing after.
    expect(cell("XRPUSDT", addDays(start, 10))?.state).toBe("verified");
    expect(cell("XRPUSDT", addDays(start, 30))?.state).toBe("not_collected");
    expect(cell("XRPUSDT", delistedOn)?.state).toBe("not_collected");
    expect(cell("XRPUSDT", addDays(delistedOn, 1))).toBeUndefined();
    // Monthly files cover the dailies of their months; two days stored without verification.
    expect(cell("ETHUSDT", wholeMonths[0]!, "monthly")?.state).toBe("verified");
    expect(cell("ETHUSDT", addDays(start, 3))).toMatchObject({
      state: "superseded",
      reason: `covered by the monthly file ${wholeMonths[0]}`,
    });
    expect(cell("ETHUSDT", end)?.state).toBe("unverified");
    expect(summary.holes).toContainEqual(
      expect.objectContaining({
        symbol: "BTCUSDT",
        partition: "daily",
        from: holeDay,
        to: holeDay,
        files: 1,
      }),
    );
  });

  it("answers from the cached listing the second time, prints a summary and CSV, and serves the `coverage` table to SQL", async () => {
    const again = await lakehouse(["coverage", ...ep()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/spot klines BTCUSDT 1d/);
    expect(again.stdout).toMatch(/Longest holes/);
    expect(again.stdout).toMatch(/0 folders listed, \d+ from the cache/);
    for (const [args, message] of [
      [["--market", "nope"], /--market: 'nope' is not a market \(known: spot/],
      [["--listing-max-age", "soon"], /--listing-max-age: expected hours ≥ 0/],
      [["--json", "--csv"], /choose one output format/],
      [["--start", "2025-02-30"], /--start: '2025-02-30' is not a date/],
    ] as const) {
      const bad = await lakehouse(["coverage", ...ep(), ...args]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
    const csv = await lakehouse(["coverage", ...ep(), "--csv", "--no-table"]);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "market,data_type,symbol,interval,partition,period,date,state,size,key,reason,run_id",
    );
    expect(lines.length - 1).toBe(cells.size);
    const out = await sql(
      "json",
      "SELECT symbol, partition, period, state FROM coverage WHERE state IN ('hole', 'failed', 'quarantined') ORDER BY ALL",
    );
    const rows = JSON.parse(out) as { symbol: string; state: string; period: string }[];
    expect(rows.filter((r) => r.state === "hole")).toHaveLength(2);
    expect(rows).toContainEqual(
      expect.objectContaining({ symbol: "BTCUSDT", period: corruptDay, state: "failed" }),
    );
  });

  it("lists symbols with their first and last day, delisted ones included, and which existed on a day", async () => {
    const symbolsCmd = ["symbols", "-m", "spot", "-t", "klines"];
    const r = await lakehouse([...symbolsCmd, "--history", "--json", ...ep()]);
    expect(r.code, r.stderr).toBe(0);
    const history = JSON.parse(r.stdout) as { symbol: string; first: string; last: string; status: string }[];
    expect(history).toEqual([
      expect.objectContaining({ symbol: "BTCUSDT", first: start, last: end, status: "listed" }),
      expect.objectContaining({ symbol: "ETHUSDT", first: start, last: end, status: "listed" }),
      expect.objectContaining({ symbol: "XRPUSDT", first: start, last: delistedOn, status: "delisted" }),
    ]);
    const on = async (day: string) => {
      const x = await lakehouse([...symbolsCmd, "--listed-on", day, "--json", ...ep()]);
      expect(x.code, x.stderr).toBe(0);
      return (JSON.parse(x.stdout) as { symbol: string }[]).map((h) => h.symbol);
    };
    expect(await on(addDays(start, 10))).toEqual(["BTCUSDT", "ETHUSDT", "XRPUSDT"]);
    expect(await on(addDays(delistedOn, 1))).toEqual(["BTCUSDT", "ETHUSDT"]);
    const table = await sql(
      "csv",
      "SELECT symbol, first_date, last_date, status FROM symbols ORDER BY symbol",
    );
    expect(table.trim().split("\n")).toEqual([
      "symbol,first_date,last_date,status",
      `BTCUSDT,${start},${end},listed`,
      `ETHUSDT,${start},${end},listed`,
      `XRPUSDT,${start},${delistedOn},delisted`,
    ]);
    const bad = await lakehouse([...symbolsCmd, "--listed-on", "2025-13-01", ...ep()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--listed-on: '2025-13-01' is not a date/);
  });

  it("writes an HTML report that renders in headless Chromium with the known cells in their state's colour", async () => {
    const file = join(lake, "report.html");
    const r = await lakehouse(["coverage", ...ep(), "--html", file, "--no-table"]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(file, "utf8");
    // Self-contained: nothing is fetched.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(/i);
    expect(statSync(file).size).toBeLessThan(5 * 1024 * 1024);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on("pageerror", (e) => failed.push(e.message));
      page.on("request", (req) => {
        if (!req.url().startsWith("file:")) failed.push(`request to ${req.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => document.body.dataset.rendered === "true");
      expect(failed).toEqual([]);
      const data = (await page.evaluate(
        () => (window as unknown as { coverageReport: { data: ClientData } }).coverageReport.data,
      )) as ClientData;
      const panel = data.panels.find((p) => p.id === "spot/klines/daily")!;
      const row = panel.rows.findIndex((x) => x.label === "BTCUSDT 1d");
      const probe = async (day: string) => {
        const col = toDayNumber(day) - panel.x0;
        return page.evaluate(
          ({ id, row, col }) => {
            const canvas = document.querySelector(`canvas[data-panel="${id}"]`) as HTMLCanvasElement;
            const cell = Number(canvas.dataset.cell);
            const rowH = Number(canvas.dataset.rowHeight);
            const [r, g, b] = canvas
              .getContext("2d")!
              .getImageData(col * cell + Math.floor(cell / 2), row * rowH + Math.floor(rowH / 2), 1, 1).data;
            const hex = `#${[r, g, b].map((v) => v!.toString(16).padStart(2, "0")).join("")}`;
            const api = (
              window as unknown as { coverageReport: { cellAt(p: string, r: number, c: number): unknown } }
            ).coverageReport;
            return { hex, cell: api.cellAt(id, row, col) as { state: string; key: string; reason: string } };
          },
          { id: panel.id, row, col },
        );
      };
      const holeDay = replica.manifest.holes[0]!.slice(-14, -4);
      const hole = await probe(holeDay);
      expect(hole.hex).toBe(STATE_COLORS.hole);
      expect(hole.cell).toMatchObject({ state: "hole", key: replica.manifest.holes[0] });
      const failedCell = await probe(corruptDay);
      expect(failedCell.hex).toBe(STATE_COLORS.failed);
      expect(failedCell.cell.reason).toMatch(/corrupt zip/);
      expect((await probe(addDays(today, -1))).hex).toBe(STATE_COLORS.pending);
      expect((await probe(addDays(start, 1))).hex).toBe(STATE_COLORS.verified);
      // Hovering a cell shows what it holds; leaving the canvas hides it.
      const at = await page.evaluate(
        ({ id, row, col }) => {
          const canvas = document.querySelector(`canvas[data-panel="${id}"]`) as HTMLCanvasElement;
          canvas.scrollIntoView();
          const box = canvas.getBoundingClientRect();
          const cell = Number(canvas.dataset.cell);
          const rowH = Number(canvas.dataset.rowHeight);
          const x = box.left + canvas.clientLeft + col * cell + cell / 2;
          return { x, y: box.top + canvas.clientTop + row * rowH + rowH / 2, below: box.bottom + 20 };
        },
        { id: panel.id, row, col: toDayNumber(corruptDay) - panel.x0 },
      );
      const tip = () =>
        page.evaluate(() => {
          const t = document.getElementById("tip")!;
          return { display: t.style.display, text: t.textContent ?? "" };
        });
      await page.mouse.move(at.x, at.y);
      const shown = await tip();
      expect(shown.display).toBe("block");
      expect(shown.text).toContain(`BTCUSDT 1d ${corruptDay}\nfailed`);
      expect(shown.text).toMatch(/corrupt zip/);
      await page.mouse.move(at.x, at.below);
      expect((await tip()).display).toBe("none");
    } finally {
      await browser.close();
    }
  }, 120_000);
});
