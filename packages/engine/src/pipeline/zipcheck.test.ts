// Zip test-open depths: what `structure` and `crc` catch, and what each reports it proved.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flipData, zipOf, zipOfMembers } from "./zip.test-util.js";
import { FULL_CHECK_BYTES, PREFIX_BYTES, testZip } from "./zipcheck.js";

const dir = mkdtempSync(join(tmpdir(), "zipcheck-"));
const write = (name: string, bytes: Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe("testZip", () => {
  const small = zipOf("small.csv", Buffer.from("1,2,3\n".repeat(5000)));
  // Random bytes do not compress: the member's compressed data is larger than the full-check limit.
  const big = zipOf("big.csv", randomBytes(FULL_CHECK_BYTES * 2));

  it("a small member gets its full CRC check in both modes", async () => {
    for (const mode of ["structure", "crc"] as const) {
      expect(await testZip(write("small.zip", small), mode)).toMatchObject({ ok: true, depth: "crc" });
      const bad = await testZip(write("small-bad.zip", flipData(small, 10)), mode);
      expect(bad.ok).toBe(false);
      expect(bad.reason).toMatch(/^small\.csv: /);
    }
  });

  it("a member that inflates to more than its headers declare fails, and inflating stops there", async () => {
    const understated = Buffer.from(small);
    const cd = understated.readUInt32LE(understated.length - 22 + 16);
    understated.writeUInt32LE(100, 22); // local header: uncompressed size
    understated.writeUInt32LE(100, cd + 24); // central directory: uncompressed size
    for (const mode of ["structure", "crc"] as const) {
      expect(await testZip(write("understated.zip", understated), mode)).toMatchObject({
        ok: false,
        problem: "corrupt",
        reason: "small.csv: inflates to more than the 100 bytes it declares",
      });
    }
  });

  it("a large member: crc inflates it all, structure checks bounds and the stream's start", async () => {
    const good = write("big.zip", big);
    expect(await testZip(good, "crc")).toMatchObject({ ok: true, depth: "crc" });
    expect(await testZip(good, "structure")).toMatchObject({ ok: true, depth: "structure" });

    // Damage past the prefix: only the full CRC pass sees it.
    const lateDamage = write("big-late.zip", flipData(big, PREFIX_BYTES * 4));
    expect(await testZip(lateDamage, "crc")).toMatchObject({ ok: false, reason: "big.csv: CRC-32 mismatch" });
    expect((await testZip(lateDamage, "structure")).ok).toBe(true);
  });

  it("structure mode rejects a member that overruns the file and a stream that is not deflate", async () => {
    // Cut in the middle of the data: the central directory is gone.
    expect((await testZip(write("cut.zip", big.subarray(0, big.length / 2)), "structure")).ok).toBe(false);
    // The compressed size claims more bytes than the file holds.
    const overrun = Buffer.from(big);
    const cd = overrun.readUInt32LE(overrun.length - 22 + 16);
    overrun.writeUInt32LE(overrun.readUInt32LE(cd + 20) + 1_000_000, cd + 20);
    const r = await testZip(write("overrun.zip", overrun), "structure");
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/big\.csv/);
    // A deflate stream whose first block header is invalid (block type 3 does not exist).
    const garbage = Buffer.from(big);
    garbage[30 + "big.csv".length] = 0x07;
    expect((await testZip(write("garbage.zip", garbage), "structure")).ok).toBe(false);
  });

  it("not a zip, and a zip without members, fail with a reason", async () => {
    expect(await testZip(write("text.zip", Buffer.from("hello")))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not a readable zip/),
    });
    const empty = Buffer.alloc(22);
    empty.writeUInt32LE(0x06054b50, 0);
    expect(await testZip(write("empty.zip", empty))).toMatchObject({
      ok: false,
      reason: "zip has no members",
    });
  });

  it("a STORED member is checked like a deflated one; a second member is not an archive data file", async () => {
    for (const mode of ["structure", "crc"] as const) {
      for (const content of [Buffer.from("1,2,3\n".repeat(5000)), randomBytes(FULL_CHECK_BYTES * 2)]) {
        const stored = zipOf("stored.csv", content, { stored: true });
        expect(await testZip(write("stored.zip", stored), mode)).toMatchObject({ ok: true });
        const bad = await testZip(write("stored-bad.zip", flipData(stored, 100)), "crc");
        expect(bad).toMatchObject({ ok: false, problem: "corrupt", reason: "stored.csv: CRC-32 mismatch" });
      }
    }
    const two = zipOfMembers([
      { name: "a.csv", content: Buffer.from("1\n") },
      { name: "b.csv", content: Buffer.from("2\n"), stored: true },
    ]);
    expect(await testZip(write("two.zip", two), "structure")).toMatchObject({
      ok: false,
      problem: "members",
      entries: ["a.csv", "b.csv"],
      reason: expect.stringMatching(/holds 2 members \(a\.csv, b\.csv\)/),
    });
  });
});
