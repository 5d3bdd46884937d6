// Hand-written zips for tests that must control every byte (zipcheck, verify): deflated or STORED members, one or
// several.
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipMember {
  name: string;
  content: Buffer;
  /** STORED (method 0) instead of deflated (method 8). */
  stored?: boolean;
}

/** A zip of `members`, in order, written by hand. */
export function zipOfMembers(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const data = m.stored ? m.content : deflateRawSync(m.content);
    const method = m.stored ? 0 : 8;
    const crc = crc32(m.content) >>> 0;
    const nameBuf = Buffer.from(m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(m.content.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(m.content.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const cdSize = centrals.reduce((n, b) => n + b.length, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, eocd]);
}

/** A one-member zip (deflated unless `stored`). */
export function zipOf(name: string, content: Buffer, opts: { stored?: boolean } = {}): Buffer {
  return zipOfMembers([{ name, content, ...opts }]);
}

/** A copy of the zip with one byte of its first member's compressed data flipped, `at` bytes from its start. */
export function flipData(zip: Buffer, at: number): Buffer {
  const b = Buffer.from(zip);
  const dataStart = 30 + b.readUInt16LE(26) + b.readUInt16LE(28);
  b[dataStart + at] = b[dataStart + at]! ^ 0xff;
  return b;
}
