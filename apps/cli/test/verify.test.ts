import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { sha256 } from "./files.js";
import { tempDir as makeTempDir, type ServedReplica, serveReplica } from "./replica-env.js";

/** Temp folders of this file, removed after it. */
const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = makeTempDir(prefix);
  scratch.push(dir);
  return dir;
};

function bronzeRel(f: {
  market: string;
  dataType: string;
  partition: string;
  symbol: string;
  interval?: string;
  key: string;
}): string {
  return [
    "bronze",
    f.market,
    f.dataType,
    f.partition,
    f.symbol,
    ...(f.interval ? [f.interval] : []),
    f.key.split("/").pop()!,
  ].join("/");
}

function flipFirstByte(path: string): void {
  const buf = readFileSync(path);
  buf[0] = (buf[0] ?? 0) ^ 0xff;
  writeFileSync(path, buf);
}

describe("verify and runs on a local lakehouse", () => {
  let replica: ServedReplica;
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines", "trades"],
      symbols: { spot: ["BTCUSDT"] },
      intervals: ["1d"],
      start: "2023-07-01",
      end: "2023-07-31",
      rowsPerFile: 20,
    });
  });
  afterAll(async () => {
    await replica?.stop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("finds corrupt, missing and unverified files, --repair fixes them, runs lists every run", async () => {
    const out = tempDir("lh-verify-");
    const sel = [
      "--market",
      "spot",
      "--symbols",
      "BTCUSDT",
      "--intervals",
      "1d",
      "--start",
      "2023-07-01",
      "--end",
      "2023-07-31",
      "--partitions",
      "daily",
    ];
    const collected = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...sel,
      "--data-types",
      "klines,trades",
      "--output",
      out,
      "--json",
    ]);
    const first = JSON.parse(collected.stdout);
    const stale = new Set(replica.manifest.stale);
    const holes = new Set(replica.manifest.holes);
    expect(stale.size + holes.size).toBe(2); // the selection holds the replica's stale file and its hole
    const files = replica.manifest.files.filter((f) => f.partition === "daily");
    const stored = files.filter((f) => !stale.has(f.key));
    expect(first.counts.downloaded).toBe(stored.length);

    // Damage four trades files behind the store's back.
    const trades = stored.filter((f) => f.dataType === "trades");
    const [a, b, c, d] = trades.map((f) => ({ f, rel: bronzeRel(f), path: join(out, bronzeRel(f)) }));
    flipFirstByte(a!.path); // corrupt: bytes differ from the record
    rmSync(b!.path); // missing: the record says it was stored
    rmSync(join(out, "_meta", "files", `${c!.rel}.json`)); // unverified: no record
    writeFileSync(`${d!.path}.CHECKSUM`, `${"0".repeat(64)}  ${d!.rel.split("/").pop()}\n`); // corrupt: sidecar disagrees

    const all = await lakehouse(["verify", "--output", out, "--json"]);
    expect(all.code, all.stderr).toBe(1);
    const report = JSON.parse(all.stdout);
    expect(report.counts).toEqual({
      ok: stored.length - 4,
      corrupt: 2,
      missing: 1,
      unverified: 1,
      unavailable: 0,
    });
    const byKey = new Map(report.items.map((i: { bronzeKey: string }) => [i.bronzeKey, i]));
    expect(byKey.get(a!.rel)).toMatchObject({
      status: "corrupt",
      recorded: a!.f.sha256,
      reason: expect.stringMatching(/the record/),
    });
    expect(byKey.get(b!.rel)).toMatchObject({
      status: "missing",
      reason: expect.stringMatching(/object is gone/),
    });
    expect(byKey.get(c!.rel)).toMatchObject({ status: "unverified", sha256: c!.f.sha256 });
    expect(byKey.get(d!.rel)).toMatchObject({
      status: "corrupt",
      reason: expect.stringMatching(/\.CHECKSUM says 0{64}/),
    });

    // A selection also accounts for what was never stored: the hole (404) is not a problem, the stale file is.
    const selected = await lakehouse(["verify", "--output", out, ...sel, "--data-types", "klines", "--json"]);
    const sr = JSON.parse(selected.stdout);
    expect(sr.counts.unavailable).toBe(1);
    expect(sr.items.find((i: { status: string }) => i.status === "unavailable").file.key).toBe([...holes][0]);
    const staleItem = sr.items.find((i: { status: string }) => i.status === "missing");
    expect(staleItem.file.key).toBe([...stale][0]);
    expect(staleItem.reason).toMatch(/checksum_mismatch in run/);
    expect(selected.code).toBe(1);

    // Human output names the problems and suggests --repair.
    const human = await lakehouse(["verify", "--output", out]);
    expect(human.stdout).toMatch(/2 corrupt, 1 missing, 1 unverified/);
    expect(human.stdout).toContain(a!.rel);
    expect(human.stdout).toMatch(/--repair/);

    const repaired = await lakehouse([
      "verify",
      "--output",
      out,
      ...sel,
      "--data-types",
      "trades",
      "--endpoint",
      replica.endpoint,
      "--repair",
      "--json",
    ]);
    expect(repaired.code, repaired.stderr).toBe(0);
    const rr = JSON.parse(repaired.stdout);
    expect(rr.counts.corrupt + rr.counts.missing + rr.counts.unverified).toBe(4);
    expect(rr.repair.summary.counts.downloaded).toBe(4);
    expect(rr.repair.after.map((i: { status: string }) => i.status)).toEqual(["ok", "ok", "ok", "ok"]);
    for (const x of [a, b, c, d]) {
      expect(sha256(x!.path)).toBe(x!.f.sha256);
      expect(readFileSync(`${x!.path}.CHECKSUM`, "utf8")).toContain(x!.f.sha256);
    }
    expect(existsSync(join(out, "_meta", "files", `${c!.rel}.json`))).toBe(true);
    const clean = await lakehouse(["verify", "--output", out]);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(
      new RegExp(
        `Verified ${stored.length} files .*: ${stored.length} ok, 0 corrupt, 0 missing, 0 unverified`,
      ),
    );

    // Both runs are listed, newest (the repair) first, with their counts.
    const runs = await lakehouse(["runs", "--output", out, "--json"]);
    expect(runs.code, runs.stderr).toBe(0);
    const list = JSON.parse(runs.stdout);
    expect(list.map((r: { runId: string }) => r.runId)).toEqual([rr.repair.summary.runId, first.runId]);
    expect(list[1].counts).toEqual(first.counts);
    const table = await lakehouse(["runs", "--output", out]);
    expect(table.stdout).toMatch(
      /run\s+status\s+started\s+duration\s+planned\s+downloaded\s+skipped\s+missing\s+pending\s+mismatch\s+failed\s+bytes/,
    );
    expect(table.stdout.split("\n")[2]).toContain(rr.repair.summary.runId);
    const show = await lakehouse(["runs", "show", first.runId, "--output", out]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`Run ${first.runId}: completed with failures`);
    for (const key of [...stale, ...holes]) expect(show.stdout).toContain(key);
    const shown = JSON.parse(
      (await lakehouse(["runs", "--output", out, "show", first.runId, "--json"])).stdout,
    );
    expect(shown).toEqual(list[1]);
    const unknown = await lakehouse(["runs", "show", "20990101T000000Z-abcdef", "--output", out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`No run 20990101T000000Z-abcdef in ${out}`);
  }, 120_000);
});
