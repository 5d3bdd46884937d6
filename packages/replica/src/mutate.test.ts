// Replica changes a collector must cope with: files without a .CHECKSUM, re-uploads, a late .CHECKSUM, and a
// replica that gains a day and a symbol (merge) without touching what it already holds.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateReplica } from "./generate.js";
import { publishChecksum, removeChecksum, republish } from "./mutate.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "replica-mutate-"));
  dirs.push(d);
  return d;
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const base = {
  markets: ["spot" as const],
  dataTypes: ["klines"],
  intervals: ["1d"],
  symbols: { spot: ["BTCUSDT"] },
  start: "2025-03-01",
  end: "2025-03-04",
  quirks: false,
};

describe("replica changes", () => {
  it("publishes the last N daily files without a .CHECKSUM, or the keys given", async () => {
    const out = fresh();
    const m = await generateReplica({ ...base, outDir: out, withoutChecksum: 1 });
    const last = "data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-03-04.zip";
    expect(m.withoutChecksum).toEqual([last]);
    expect(m.files.find((f) => f.key === last)).toMatchObject({ noChecksum: true });
    expect(existsSync(join(out, `${last}.CHECKSUM`))).toBe(false);
    expect(existsSync(join(out, last))).toBe(true);
    for (const f of m.files.filter((x) => x.key !== last))
      expect(existsSync(join(out, f.checksumKey))).toBe(true);

    const keyed = await generateReplica({
      ...base,
      outDir: fresh(),
      withoutChecksum: ["data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-03-02.zip"],
    });
    expect(keyed.withoutChecksum).toEqual(["data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-03-02.zip"]);
  });

  it("re-uploads a file with a matching .CHECKSUM, adds and removes .CHECKSUMs", async () => {
    const out = fresh();
    const m = await generateReplica({ ...base, outDir: out });
    const f = m.files[0]!;
    const zip = Buffer.from("not really a zip, but new bytes");
    const newSha = await republish(out, f.key, zip);
    expect(newSha).toBe(sha(zip));
    expect(readFileSync(join(out, f.key))).toEqual(zip);
    // Spot .CHECKSUMs end without a newline, as the archive's.
    expect(readFileSync(join(out, f.checksumKey), "utf8")).toBe(`${sha(zip)}  ${f.key.split("/").pop()}`);
    await removeChecksum(out, f.key);
    expect(existsSync(join(out, f.checksumKey))).toBe(false);
    expect(await publishChecksum(out, f.key)).toBe(sha(zip));
    expect(readFileSync(join(out, f.checksumKey), "utf8")).toContain(sha(zip));
    await republish(out, f.key, Buffer.from("again"), { checksum: false });
    expect(existsSync(join(out, f.checksumKey))).toBe(false);
  });

  it("merge adds a day and a symbol and leaves what is there untouched", async () => {
    const out = fresh();
    const first = await generateReplica({ ...base, outDir: out });
    const changed = first.files[1]!;
    await republish(out, changed.key, Buffer.from("re-uploaded"));
    const before = new Map(first.files.map((f) => [f.key, statSync(join(out, f.key)).mtimeMs]));
    await expect(generateReplica({ ...base, outDir: out })).rejects.toThrow(/already holds files/);
    const more = await generateReplica({
      ...base,
      outDir: out,
      end: "2025-03-05",
      symbols: { spot: ["BTCUSDT", "ETHUSDT"] },
      merge: true,
    });
    const added = more.files.map((f) => f.key).filter((k) => !before.has(k));
    expect(added.sort()).toEqual([
      "data/spot/daily/klines/BTCUSDT/1d/BTCUSDT-1d-2025-03-05.zip",
      ...["01", "02", "03", "04", "05"].map(
        (d) => `data/spot/daily/klines/ETHUSDT/1d/ETHUSDT-1d-2025-03-${d}.zip`,
      ),
    ]);
    for (const k of added) expect(existsSync(join(out, `${k}.CHECKSUM`))).toBe(true);
    for (const [k, mtime] of before) expect(statSync(join(out, k)).mtimeMs).toBe(mtime);
    expect(readFileSync(join(out, changed.key), "utf8")).toBe("re-uploaded");
  });
});
