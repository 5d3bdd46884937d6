// Archive zips off the beaten track, through collect, verify and silver against the replica on versitygw: a member
// STORED instead of deflated is a valid zip (accepted everywhere); a zip with two members is not an archive data
// file (each holds exactly one CSV, docs/archive.md) and is reported, never read in part.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zipOf, zipOfMembers } from "../../../packages/engine/src/pipeline/zip.test-util.js";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const DAY = "2023-07-01";
const T0 = Date.parse(`${DAY}T00:00:00Z`);

/** `rows` spot trades of `DAY` (id, price, qty, quoteQty, time ms, isBuyerMaker, isBestMatch), no header. */
function tradesCsv(rows: number, firstId = 1): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(`${firstId + i},30000.5,0.01,300.005,${T0 + i * 1000},${i % 2 === 0},true`);
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

describe("zips with a STORED member or two members", () => {
  let replica: ServedReplica;
  let files: { key: string; symbol: string }[];
  beforeAll(async () => {
    replica = await serveSmallFiles(3, 2, 4);
    files = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    await replica?.stop();
  });

  /** Serves `zip` (and its .CHECKSUM) for archive key `key`. */
  const serve = (key: string, zip: Buffer) => {
    const path = join(replica.manifest.root, ...key.split("/"));
    writeFileSync(path, zip);
    writeFileSync(`${path}.CHECKSUM`, `${sha(zip)}  ${key.split("/").pop()}`);
  };
  const bronzeRel = (f: { key: string; symbol: string }) =>
    `bronze/spot/trades/daily/${f.symbol}/${f.key.split("/").pop()}`;
  const csvName = (f: { key: string }) =>
    f.key
      .split("/")
      .pop()!
      .replace(/\.zip$/, ".csv");

  it("accepts a STORED member in collect, verify and silver; reports a second member everywhere", async () => {
    const [stored, twoMembers, plain] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
    const storedZip = zipOf(csvName(stored), tradesCsv(40), { stored: true });
    const twoZip = zipOfMembers([
      { name: csvName(twoMembers), content: tradesCsv(30) },
      { name: "more.csv", content: tradesCsv(20, 1000) },
    ]);
    serve(stored.key, storedZip);
    serve(twoMembers.key, twoZip);

    const out = tempDir("lh-zipmembers-");
    const sel = selection({
      market: "spot",
      symbols: files.map((f) => f.symbol).join(","),
      dataTypes: "trades",
      start: DAY,
      end: DAY,
    });
    const c = await lakehouse(["collect", "--endpoint", replica.endpoint, ...sel, "--output", out, "--json"]);
    expect(c.code, c.stderr).toBe(1);
    const s = JSON.parse(c.stdout);
    expect(s.counts).toMatchObject({ downloaded: 2, failed: 1 });
    expect(readFileSync(join(out, bronzeRel(stored))).equals(storedZip)).toBe(true);
    expect(existsSync(join(out, bronzeRel(plain)))).toBe(true);
    // The two-member zip is not stored, and the reason names both members; its bytes are kept in quarantine.
    expect(existsSync(join(out, bronzeRel(twoMembers)))).toBe(false);
    expect(s.failures).toEqual([
      {
        key: twoMembers.key,
        outcome: "failed",
        reason: expect.stringMatching(/2 members \(.*\.csv, more\.csv\).*exactly one/),
      },
    ]);
    const q = join(out, "_meta", "quarantine", s.runId, bronzeRel(twoMembers));
    expect(readFileSync(q).equals(twoZip)).toBe(true);

    // verify inflates the STORED member with every CRC checked: ok.
    const v = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).counts).toMatchObject({ ok: 2, corrupt: 0 });

    // silver converts it: every row of the STORED member is in the table.
    const sv = await lakehouse(["silver", "--output", out, "--json"]);
    expect(sv.code, sv.stderr).toBe(0);
    expect(JSON.parse(sv.stdout).counts.failed).toBe(0);
    const rows = await lakehouse([
      "sql",
      "--output",
      out,
      "--format",
      "json",
      `SELECT count(*)::INT AS n FROM spot_trades WHERE symbol = '${stored.symbol}'`,
    ]);
    expect(rows.code, rows.stderr).toBe(0);
    expect(JSON.parse(rows.stdout)[0].n).toBe(40);

    // A two-member zip already in bronze (an older version stored it, or it was put there by hand): verify
    // reports it, and silver refuses it rather than converting only its first member.
    const path = join(out, bronzeRel(twoMembers));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, twoZip);
    writeFileSync(`${path}.CHECKSUM`, `${sha(twoZip)}  ${twoMembers.key.split("/").pop()}`);
    const record = join(out, "_meta", "files", `${bronzeRel(twoMembers)}.json`);
    mkdirSync(dirname(record), { recursive: true });
    writeFileSync(
      record,
      JSON.stringify({
        key: twoMembers.key,
        bronzeKey: bronzeRel(twoMembers),
        sha256: sha(twoZip),
        size: twoZip.length,
        verified: true,
        checksum: sha(twoZip),
        runId: "by-hand",
        storedAt: new Date().toISOString(),
      }),
    );
    const v2 = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v2.code).toBe(1);
    expect(JSON.parse(v2.stdout).items).toEqual([
      expect.objectContaining({
        bronzeKey: bronzeRel(twoMembers),
        status: "corrupt",
        reason: expect.stringMatching(/2 members/),
      }),
    ]);
    const sv2 = await lakehouse(["silver", "--output", out, "--json"]);
    expect(sv2.code).toBe(1);
    const silver2 = JSON.parse(sv2.stdout);
    expect(silver2.failures).toEqual([
      expect.objectContaining({ key: bronzeRel(twoMembers), reason: expect.stringMatching(/2 members/) }),
    ]);
    const none = await lakehouse([
      "sql",
      "--output",
      out,
      "--format",
      "json",
      `SELECT count(*)::INT AS n FROM spot_trades WHERE symbol = '${twoMembers.symbol}'`,
    ]);
    expect(JSON.parse(none.stdout)[0].n).toBe(0);
  }, 180_000);
});
