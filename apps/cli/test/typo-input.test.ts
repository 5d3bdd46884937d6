// Input that is valid in form but surely a typo is refused or said out loud, not planned into thousands of 404s or
// HTTP 400s: a start year before the archive existed, a start before a market's first day (clamped, noted), a
// bucket or region that cannot be an S3 name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

const KLINES = { market: "spot", symbols: "BTCUSDT", dataTypes: "klines", intervals: "1d" };

describe("valid-but-surely-a-typo input", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1d"],
      symbols: { spot: ["BTCUSDT"] },
      start: "2025-06-01",
      end: "2025-06-01",
      quirks: false,
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it("--start 1025-06-01 is refused (exit 2) by plan and collect, naming the archive's first date; nothing is fetched", async () => {
    const sel = selection({ ...KLINES, start: "1025-06-01", end: "2025-06-30" });
    const plan = await lakehouse(["plan", ...sel, "--json"]);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stderr).toMatch(/--start: '1025-06-01' is before the archive existed/);
    expect(plan.stderr).toMatch(/nothing before 2017-07-01 \(spot starts then\)/);
    expect(plan.stderr).toMatch(/leave --start out to begin at each series' first file/);
    expect(plan.stdout).toBe("");

    const out = tempDir("lh-typo-");
    const c = await lakehouse(["collect", "--endpoint", replica.endpoint, ...sel, "--output", out, "--json"]);
    expect(c.code, c.stderr).toBe(2);
    expect(c.stderr).toMatch(/is before the archive existed/);
    expect(c.stdout).toBe("");
    // A whole range before the archive is refused through --end as well.
    const early = await lakehouse([
      "plan",
      ...selection({ ...KLINES, start: "2017-01-01", end: "2017-03-31" }),
    ]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/--end: '2017-03-31' is before the archive existed/);
  });

  it("a start before a market's first day in its first year is clamped to it, with a note saying so", async () => {
    const r = await lakehouse([
      "plan",
      "--market",
      "spot",
      "--market",
      "futures_um",
      "--symbols",
      "BTCUSDT",
      "--data-types",
      "klines",
      "--intervals",
      "1mo",
      "--start",
      "2017-01-01",
      "--end",
      "2019-12-31",
      "--keys",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const keys = r.stdout.trim().split("\n");
    // Monthly spot files from 2017-07, USD-M ones from 2019-09: not one key for the months before each market.
    expect(keys.filter((k) => k.startsWith("data/spot/"))[0]).toBe(
      "data/spot/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2017-07.zip",
    );
    expect(keys.filter((k) => k.startsWith("data/futures/um/"))).toEqual([
      "data/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2019-09.zip",
      "data/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2019-10.zip",
      "data/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2019-11.zip",
      "data/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2019-12.zip",
    ]);
    expect(keys).toHaveLength(30 + 4);
    const json = await lakehouse([
      "plan",
      ...selection({ ...KLINES, intervals: "1mo", start: "2017-01-01", end: "2017-12-31" }),
      "--json",
    ]);
    expect(json.code, json.stderr).toBe(0);
    const notes = (JSON.parse(json.stdout).notes as { message: string }[]).map((n) => n.message);
    expect(notes).toContain(
      "the spot archive starts 2017-07-01: --start 2017-01-01 is before it, so spot is planned from 2017-07-01",
    );
  });

  it.each([
    ["--bucket", "Data_Binance", /--bucket: 'Data_Binance' is not a valid S3 bucket name \(3–63 characters/],
    ["--bucket", "ab", /--bucket: 'ab' is not a valid S3 bucket name/],
    ["--bucket", "data..vision", /--bucket: 'data\.\.vision' is not a valid S3 bucket name/],
    [
      "--region",
      "ap northeast 1",
      /--region: 'ap northeast 1' is not an AWS region \(lower-case, like ap-northeast-1/,
    ],
    ["--region", "AP-NORTHEAST-1", /--region: 'AP-NORTHEAST-1' is not an AWS region/],
  ])("collect %s %j exits 2 with the rule, before any request", async (flag, value, message) => {
    const out = tempDir("lh-typo-s3-");
    const sel = selection({ ...KLINES, start: "2025-06-01", end: "2025-06-01" });
    const r = await lakehouse(["collect", ...sel, flag, value, "--output", out, "--json"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("with a custom endpoint, a region is any lower-case name, and a good bucket and region collect", async () => {
    const bad = await lakehouse([
      "symbols",
      "--market",
      "spot",
      "--data-type",
      "klines",
      "--endpoint",
      replica.endpoint,
      "--region",
      "Not A Region",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--region: 'Not A Region' is not a valid region name/);
    const out = tempDir("lh-typo-ok-");
    const ok = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      "--bucket",
      "data.binance.vision",
      "--region",
      "us-east-1",
      ...selection({ ...KLINES, start: "2025-06-01", end: "2025-06-01" }),
      "--output",
      out,
      "--json",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).counts.downloaded).toBe(1);
  }, 60_000);
});
