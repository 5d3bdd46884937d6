// Upstream changes against the replica on versitygw: a file published without a .CHECKSUM is stored `unverified`
// (CRC-tested), kept while the archive has none, promoted once a matching one appears and quarantined when one
// that does not match appears; a re-upload is fetched by --refresh-changed, the replaced bytes stay in the
// lakehouse under _meta/history/ and `lakehouse changes` lists the event.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderOf, generateReplica, publishChecksum, republish } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { BUCKET, type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

const DAY = (d: string) => `data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-03-${d}.zip`;
const range = { start: "2025-03-01", end: "2025-03-04" };

describe("upstream changes: files without a .CHECKSUM, re-uploads", () => {
  let replica: ServedReplica;
  const out = tempDir("lh-upstream-");
  const bronze = (key: string) =>
    join(out, "bronze", "spot", "klines", "daily", "BTCUSDT", "1d", key.split("/").pop()!);
  const record = (key: string) =>
    JSON.parse(
      readFileSync(join(out, "_meta", "files", `${bronze(key).slice(out.length + 1)}.json`), "utf8"),
    );

  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1d"],
      symbols: { spot: ["BTCUSDT"] },
      ...range,
      quirks: false,
      withoutChecksum: [DAY("03"), DAY("04")],
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  const root = () => join(replica.dir, BUCKET);
  const stamp = (key: string) => replica.gw.stampEtags(BUCKET, folderOf(key));
  async function collect(...extra: string[]) {
    const r = await lakehouse([
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({ market: "spot", symbols: "BTCUSDT", dataTypes: "klines", intervals: "1d", ...range }),
      "--output",
      out,
      "--json",
      ...extra,
    ]);
    return { code: r.code, s: JSON.parse(r.stdout), stderr: r.stderr };
  }

  it("stores CHECKSUM-less files unverified, keeps them, promotes or quarantines them when a .CHECKSUM appears", async () => {
    const first = await collect();
    expect(first.code, first.stderr).toBe(0);
    expect(first.s.status).toBe("completed");
    expect(first.s.counts).toMatchObject({ downloaded: 2, unverified: 2, failed: 0 });
    for (const d of ["03", "04"]) {
      expect(record(DAY(d))).toMatchObject({ verified: false, unverified: "no_checksum", zipTest: "crc" });
      expect(existsSync(`${bronze(DAY(d))}.CHECKSUM`)).toBe(false);
    }
    // Nothing new to learn while the archive has no .CHECKSUM: nothing is fetched again.
    const again = await collect();
    expect(again.s.counts).toMatchObject({ skipped: 4, downloaded: 0, unverified: 0 });

    const shown = await lakehouse(["verify", "--output", out, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const report = JSON.parse(shown.stdout);
    expect(report.counts).toMatchObject({ ok: 2, unverified: 2 });
    expect(report.items.map((i: { noChecksum?: boolean }) => i.noChecksum)).toEqual([true, true]);
    const text = await lakehouse(["verify", "--output", out]);
    expect(text.stdout).toMatch(/2 unverified \(2 of them published without a \.CHECKSUM\)/);

    // 03 gets its real .CHECKSUM: promoted. 04 gets one that does not match what is stored: quarantined.
    const stored04 = sha256(bronze(DAY("04")));
    await publishChecksum(root(), DAY("03"));
    const wrong = `${"ab".repeat(32)}  ${DAY("04").split("/").pop()}`;
    writeFileSync(join(root(), `${DAY("04")}.CHECKSUM`), wrong);
    await stamp(DAY("03"));
    const promoted = await collect();
    expect(promoted.s.counts).toMatchObject({ downloaded: 1, checksum_mismatch: 1, skipped: 2 });
    expect(record(DAY("03"))).toMatchObject({ verified: true });
    expect(record(DAY("03")).unverified).toBeUndefined();
    expect(readFileSync(`${bronze(DAY("03"))}.CHECKSUM`, "utf8")).toContain(sha256(bronze(DAY("03"))));
    expect(existsSync(bronze(DAY("04")))).toBe(false);
    const quarantined = walk(join(out, "_meta", "quarantine")).filter((p) =>
      p.endsWith("BTCUSDT-1d-2025-03-04.zip.stored"),
    );
    expect(quarantined).toHaveLength(1);
    expect(sha256(quarantined[0]!)).toBe(stored04);
    const after = JSON.parse((await lakehouse(["verify", "--output", out, "--json"])).stdout);
    expect(after.counts).toMatchObject({ ok: 3, unverified: 0 });
    // Its right .CHECKSUM appears: fetched and verified like any file.
    await publishChecksum(root(), DAY("04"));
    expect((await collect()).s.counts).toMatchObject({ downloaded: 1, skipped: 3 });
  }, 180_000);

  it("a re-upload is fetched by --refresh-changed; the old bytes stay under _meta/history/ and `changes` lists it", async () => {
    const key = DAY("01");
    const oldSha = sha256(bronze(key));
    const oldRecord = record(key);
    // Valid new bytes for the same key: the same file generated with another seed.
    const other = tempDir("lh-upstream-v2-");
    await generateReplica({
      markets: ["spot"],
      dataTypes: ["klines"],
      intervals: ["1d"],
      symbols: { spot: ["BTCUSDT"] },
      ...range,
      quirks: false,
      seed: 7,
      outDir: other,
    });
    const silverBefore = await lakehouse(["silver", "-o", out, "--json"]);
    expect(silverBefore.code, silverBefore.stderr).toBe(0);
    const newSha = await republish(root(), key, readFileSync(join(other, key)));
    await stamp(key);
    expect(newSha).not.toBe(oldSha);

    const refreshed = await collect("--refresh-changed");
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.s.counts).toMatchObject({ downloaded: 1, skipped: 3, failed: 0 });
    expect(refreshed.s.notes.join("\n")).toMatch(/1 changed in the archive: the replaced versions are kept/);
    expect(sha256(bronze(key))).toBe(newSha);
    const kept = join(
      out,
      "_meta",
      "history",
      "bronze",
      "spot",
      "klines",
      "daily",
      "BTCUSDT",
      "1d",
      key.split("/").pop()!,
      `${oldSha}.zip`,
    );
    expect(sha256(kept)).toBe(oldSha);
    expect(JSON.parse(readFileSync(`${kept}.json`, "utf8"))).toMatchObject({
      sha256: oldSha,
      runId: oldRecord.runId,
    });
    expect(readFileSync(`${kept}.CHECKSUM`, "utf8")).toContain(oldSha);

    // Silver converts the changed file again, and says so.
    const silver = await lakehouse(["silver", "-o", out, "--json"]);
    expect(silver.code, silver.stderr).toBe(0);
    const silverRun = JSON.parse(silver.stdout);
    expect(silverRun.counts).toMatchObject({ converted: 1, unchanged: 3 });
    expect(silverRun.files[0]).toMatchObject({ replaced: { sha256: oldSha } });
    expect(silverRun.files[0].notes.join("\n")).toMatch(/converted again: the bronze file changed/);

    const changes = await lakehouse(["changes", "--output", out, "--json"]);
    expect(changes.code, changes.stderr).toBe(0);
    const doc = JSON.parse(changes.stdout);
    expect(doc.count).toBe(1);
    expect(doc.changes[0]).toMatchObject({
      key,
      status: "stored",
      runId: refreshed.s.runId,
      old: {
        sha256: oldSha,
        size: oldRecord.size,
        etag: oldRecord.etag,
        history: kept.slice(out.length + 1),
      },
      new: { sha256: newSha, size: readFileSync(join(root(), key)).length, etag: record(key).etag },
    });
    expect(doc.changes[0].old.etag).not.toBe(doc.changes[0].new.etag);
    const text = await lakehouse(["changes", "--output", out]);
    expect(text.stdout).toContain("1 upstream change:");
    expect(text.stdout).toContain(key);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(
      JSON.parse((await lakehouse(["changes", "-o", out, "--since", tomorrow, "--json"])).stdout).count,
    ).toBe(0);
    const bad = await lakehouse(["changes", "-o", out, "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: 'yesterday' is not a date; use YYYY-MM-DD/);
    // Nothing changed since: a second refresh fetches nothing and records nothing.
    expect((await collect("--refresh-changed")).s.counts).toMatchObject({ downloaded: 0, skipped: 4 });
    expect(JSON.parse((await lakehouse(["changes", "-o", out, "--json"])).stdout).count).toBe(1);
  }, 180_000);
});
