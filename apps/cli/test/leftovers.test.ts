// What a crash or a damaged sidecar leaves in bronze, against the replica on versitygw: a stored .CHECKSUM that
// does not parse is a problem `verify` reports and `--repair` fixes; temp files a killed writer left beside the
// final files are listed by `verify`, removed by `--repair`, and removed by the next collect writing to their
// folder — while a live writer's temp file is left alone.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stagingHost } from "@crypto-lakehouse/core";
import { parseChecksum } from "@crypto-lakehouse/engine";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { sha256 } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const DAY = "2023-07-01";

/** The pid of a process that has exited: no process runs under it now (pids are not reused this fast). */
async function deadPid(): Promise<number> {
  const p = execa(process.execPath, ["-e", ""]);
  await p;
  return p.pid!;
}

/** A temp file name as storage-local writes it, for writer `pid` on this host. */
const tempName = (final: string, pid: number) => `.${final}.${pid}-abcdef0123000001@${stagingHost()}.tmp`;

describe("garbage .CHECKSUM and temp files of killed writers", () => {
  let replica: ServedReplica;
  let files: { key: string; symbol: string; sha256: string }[];
  beforeAll(async () => {
    replica = await serveSmallFiles(3, 2, 4);
    files = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    await replica?.stop();
  });

  const rel = (f: { key: string; symbol: string }) =>
    `bronze/spot/trades/daily/${f.symbol}/${f.key.split("/").pop()}`;

  it("verify reports both, --repair fixes both, the next collect clears its folders", async () => {
    const out = tempDir("lh-leftovers-");
    const sel = selection({
      market: "spot",
      symbols: files.map((f) => f.symbol).join(","),
      dataTypes: "trades",
      start: DAY,
      end: DAY,
    });
    const c = await lakehouse(["collect", "--endpoint", replica.endpoint, ...sel, "--output", out, "--json"]);
    expect(c.code, c.stderr).toBe(0);
    const [a, b, cFile] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];

    // A's .CHECKSUM is garbage (a well-formed wrong hash is another, older test).
    writeFileSync(join(out, `${rel(a)}.CHECKSUM`), "garbage, not a sha256sum line\n");
    // Temp files beside B: one of a killed writer (dead pid, this host), one of a live one (this process);
    // and one of a killed writer among the file records.
    const dead = await deadPid();
    const bName = rel(b).split("/").pop()!;
    const deadTemp = join(dirname(rel(b)), tempName(`${bName}.CHECKSUM`, dead));
    const liveTemp = join(dirname(rel(b)), tempName(bName, process.pid));
    const deadRecordTemp = join("_meta", "files", dirname(rel(b)), tempName(`${bName}.json`, dead));
    for (const t of [deadTemp, liveTemp, deadRecordTemp]) writeFileSync(join(out, t), "partial");

    const v = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v.code, v.stderr).toBe(1);
    const report = JSON.parse(v.stdout);
    expect(report.items).toEqual([
      expect.objectContaining({
        bronzeKey: rel(a),
        status: "corrupt",
        reason: expect.stringMatching(/stored \.CHECKSUM does not parse.*garbage/),
      }),
    ]);
    const byKey = Object.fromEntries(
      report.leftovers.map((l: { key: string; gone: boolean }) => [l.key, l.gone]),
    );
    expect(byKey).toEqual({ [deadTemp]: true, [liveTemp]: false, [deadRecordTemp]: true });
    const human = await lakehouse(["verify", "--output", out]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/2 temp files left by interrupted writes/);
    expect(human.stdout).toContain(deadTemp);
    expect(human.stdout).not.toContain(liveTemp);

    const r = await lakehouse([
      "verify",
      "--output",
      out,
      "--endpoint",
      replica.endpoint,
      "--repair",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const repaired = JSON.parse(r.stdout);
    expect(repaired.repair.summary.counts.downloaded).toBe(1);
    expect(repaired.repair.leftoversRemoved.sort()).toEqual([deadTemp, deadRecordTemp].sort());
    expect(parseChecksum(readFileSync(join(out, `${rel(a)}.CHECKSUM`), "utf8"))).toBe(a.sha256);
    expect(existsSync(join(out, deadTemp))).toBe(false);
    expect(existsSync(join(out, deadRecordTemp))).toBe(false);
    expect(existsSync(join(out, liveTemp))).toBe(true); // a write in progress is never touched

    // A killed collect's temp files beside C, whose record it never wrote: the next collect re-fetches C and
    // removes them as it writes to those folders.
    const cName = rel(cFile).split("/").pop()!;
    const dead2 = await deadPid();
    const zipTemp = join(out, dirname(rel(cFile)), tempName(`${cName}.CHECKSUM`, dead2));
    const recordTemp = join(out, "_meta", "files", dirname(rel(cFile)), tempName(`${cName}.json`, dead2));
    mkdirSync(dirname(recordTemp), { recursive: true });
    for (const t of [zipTemp, recordTemp]) writeFileSync(t, "partial");
    rmSync(join(out, "_meta", "files", `${rel(cFile)}.json`));
    const again = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...sel,
      "--output",
      out,
      "--json",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ downloaded: 1, skipped: 2 });
    expect(existsSync(zipTemp)).toBe(false);
    expect(existsSync(recordTemp)).toBe(false);
    expect(sha256(join(out, rel(cFile)))).toBe(cFile.sha256);
    expect(existsSync(join(out, liveTemp))).toBe(true);
  }, 180_000);
});
