import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FULL_CHECK_BYTES, PREFIX_BYTES } from "@crypto-lakehouse/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flipData, zipOf } from "../../../packages/engine/src/pipeline/zip.test-util.js";
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

    const repair = () =>
      lakehouse([
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

    // Human output names the problems and suggests --repair.
    const human = await lakehouse(["verify", "--output", out]);
    expect(human.stdout).toMatch(/2 corrupt, 1 missing, 1 unverified/);
    expect(human.stdout).toContain(a!.rel);
    expect(human.stdout).toMatch(/--repair/);

    const repaired = await repair();
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
      /run\s+status\s+started\s+duration\s+planned\s+downloaded\s+unverified\s+skipped\s+missing\s+pending\s+mismatch\s+failed\s+bytes/,
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

    // The archive itself serves a zip damaged deep in a member over 1 MiB, with a .CHECKSUM of the damaged bytes,
    // and the lakehouse stored it so (collect's default `structure` test reads only the start of such a member).
    const e = trades[4]!;
    const eRel = bronzeRel(e);
    const name = eRel.split("/").pop()!;
    const damaged = flipData(
      zipOf(name.replace(/\.zip$/, ".csv"), randomBytes(FULL_CHECK_BYTES * 2)),
      PREFIX_BYTES * 4,
    );
    const damagedSha = createHash("sha256").update(damaged).digest("hex");
    for (const path of [join(replica.manifest.root, ...e.key.split("/")), join(out, eRel)]) {
      writeFileSync(path, damaged);
      writeFileSync(`${path}.CHECKSUM`, `${damagedSha}  ${name}\n`);
    }
    const recordPath = join(out, "_meta", "files", `${eRel}.json`);
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    writeFileSync(
      recordPath,
      JSON.stringify({
        ...record,
        sha256: damagedSha,
        checksum: damagedSha,
        size: damaged.length,
        zipTest: "structure",
      }),
    );
    const zipBad = await lakehouse(["verify", "--output", out, "--json"]);
    expect(zipBad.code, zipBad.stderr).toBe(1);
    const zr = JSON.parse(zipBad.stdout);
    expect(zr.counts).toMatchObject({ ok: stored.length - 1, corrupt: 1 });
    expect(zr.items).toEqual([
      expect.objectContaining({
        bronzeKey: eRel,
        status: "corrupt",
        sha256: damagedSha,
        reason: expect.stringMatching(
          /^zip test failed: .*CRC-32 mismatch \(its SHA-256 matches the archive's \.CHECKSUM, so the archive's own file is damaged\)$/,
        ),
      }),
    ]);
    // Every other record says collect checked all its CRC-32s (small members): only the damaged zip is inflated.
    expect(zr.zipTested).toBe(1);
    const fast = await lakehouse(["verify", "--output", out, "--no-zip-test"]);
    expect(fast.code, fast.stdout).toBe(0);
    expect(fast.stdout).toMatch(new RegExp(`: ${stored.length} ok, 0 corrupt`));

    // --repair re-fetches the same bytes; its collect tests them in full and quarantines them, once.
    const zipRepair = await repair();
    expect(zipRepair.code, zipRepair.stderr).toBe(1);
    const zrr = JSON.parse(zipRepair.stdout);
    expect(zrr.repair.summary.counts).toMatchObject({ downloaded: 0, failed: 1 });
    expect(zrr.repair.after).toEqual([
      expect.objectContaining({
        status: "corrupt",
        reason: expect.stringMatching(
          /archive's own file is damaged\); re-fetch: failed in run .*: corrupt zip although its SHA-256 matches: .*CRC-32 mismatch/,
        ),
      }),
    ]);
    expect(sha256(join(out, "_meta", "quarantine", zrr.repair.summary.runId, eRel))).toBe(damagedSha);
    expect(sha256(join(out, eRel))).toBe(damagedSha);
  }, 120_000);
});
