// Zip test-open depths: what `structure` and `crc` catch, and what each reports it proved.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FULL_CHECK_BYTES, PREFIX_BYTES, testZip } from "./zipcheck.js";

/** A one-member deflate zip, written by hand so the test controls every byte. */
function zipOf(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const nameBuf = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(content) >>> 0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(content) >>> 0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const cdOffset = local.length + nameBuf.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + nameBuf.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, eocd]);
}

const dir = mkdtempSync(join(tmpdir(), "zipcheck-"));
const write = (name: string, bytes: Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
/** Flips one byte of the member's compressed data at `at` (from its start). */
const flip = (zip: Buffer, at: number) => {
  const b = Buffer.from(zip);
  const dataStart = 30 + b.readUInt16LE(26);
  b[dataStart + at] = b[dataStart + at]! ^ 0xff;
  return b;
};

describe("testZip", () => {
  const small = zipOf("small.csv", Buffer.from("1,2,3\n".repeat(5000)));
  // Random bytes do not compress: the member's compressed data is larger than the full-check limit.
  const big = zipOf("big.csv", randomBytes(FULL_CHECK_BYTES * 2));

  it("a small member gets its full CRC check in both modes", async () => {
    for (const mode of ["structure", "crc"] as const) {
      expect(await testZip(write("small.zip", small), mode)).toMatchObject({ ok: true, depth: "crc" });
      const bad = await testZip(write("small-bad.zip", flip(small, 10)), mode);
      expect(bad.ok).toBe(false);
      expect(bad.reason).toMatch(/^small\.csv: /);
    }
  });

  it("a large member: crc inflates it all, structure checks bounds and the stream's start", async () => {
    const good = write("big.zip", big);
    expect(await testZip(good, "crc")).toMatchObject({ ok: true, depth: "crc" });
    expect(await testZip(good, "structure")).toMatchObject({ ok: true, depth: "structure" });

    // Damage past the prefix: only the full CRC pass sees it.
    const lateDamage = write("big-late.zip", flip(big, PREFIX_BYTES * 4));
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
});
