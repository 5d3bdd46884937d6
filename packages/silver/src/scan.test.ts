// The decimal byte scan: which columns may take DuckDB's fast DECIMAL(18,8) read without losing a digit.
import { describe, expect, it } from "vitest";
import { DecimalScanner } from "./scan.js";

/** Scans `text` fed in pieces of `step` bytes (so fields straddle chunk boundaries). */
function scan(text: string, decimals: boolean[], header: boolean, step = 3) {
  const s = new DecimalScanner(decimals);
  const buf = Buffer.from(text, "latin1");
  for (let i = 0; i < buf.length; i += step) s.push(buf.subarray(i, i + step));
  return s.result(header);
}

describe("DecimalScanner", () => {
  it("passes plain values with up to 10 integer and 8 fraction digits, signs and empty cells", () => {
    const text = "1,69350.53000000,-0.5,,True\n2,1234567890.12345678,+7,0,False\n";
    expect(scan(text, [false, true, true, true, false], false).fast).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it("flags a column with a 9th decimal, an 11th integer digit, an exponent or text — and only that column", () => {
    const cols = [true, true, true, true, true];
    const text = "0.1,0.123456789,1,0E-8,abc\n0.2,1,12345678901,1,1\n";
    expect(scan(text, cols, false).fast).toEqual([true, false, false, false, false]);
  });

  it("ignores the header line when told the file has one, and without a final newline", () => {
    const text = "price,qty\n1.5,2.25";
    expect(scan(text, [true, true], true).fast).toEqual([true, true]);
    expect(scan(text, [true, true], false).fast).toEqual([false, false]);
  });

  it("trusts nothing once a quote appears", () => {
    const r = scan('1.5,"2.5"\n', [true, true], false);
    expect(r).toEqual({ fast: [false, false], quoted: true });
  });

  it("accepts Windows line ends", () => {
    expect(scan("1.5,2\r\n3,4\r\n", [true, true], false, 1).fast).toEqual([true, true]);
  });

  it("agrees with a per-field reference on random CSV text fed in random pieces", () => {
    let seed = 7;
    const rnd = (k: number) => {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % k;
    };
    const digits = (k: number) => Array.from({ length: k }, () => String(rnd(10))).join("");
    // Mostly values that fit, so that one that does not decides a column.
    const field = () => {
      const k = rnd(40);
      if (k < 28) return `${digits(1 + rnd(10))}.${digits(rnd(9))}`;
      switch (k) {
        case 28:
          return "";
        case 29:
          return `${digits(rnd(12))}`;
        case 30:
        case 31:
          return `${["", "-", "+"][rnd(3)]}${digits(rnd(12))}.${digits(rnd(10))}`;
        case 32:
          return `${digits(1 + rnd(2))}E-${digits(1)}`;
        case 33:
          return ["abc", "1.2.3", "-", ".", "1-", "+-1", "True"][rnd(7)]!;
        case 34:
          return `${digits(1 + rnd(3))}.${digits(rnd(9))}\r`;
        case 35:
          return `${digits(10)}.${digits(9)}`;
        case 36:
          return `${digits(11)}.${digits(8)}`;
        default:
          return `${digits(10)}.${digits(8)}`;
      }
    };
    const plain = /^[-+]?\d{0,10}(\.\d{0,8})?$/;
    for (let round = 0; round < 2000; round++) {
      const width = 1 + rnd(5);
      const cols = Array.from({ length: width }, () => rnd(3) > 0);
      const lines = Array.from({ length: 1 + rnd(6) }, () =>
        Array.from({ length: width - 1 + rnd(3) }, field).join(","),
      );
      const header = rnd(2) === 0;
      const text = lines.join("\n") + (rnd(2) ? "\n" : "");
      const want = cols.map(
        (d, c) =>
          d &&
          lines.every(
            (l, i) => (header && i === 0) || plain.test((l.split(",")[c] ?? "").replaceAll("\r", "")),
          ),
      );
      const s = new DecimalScanner(cols);
      const buf = Buffer.from(text, "latin1");
      for (let i = 0; i < buf.length; ) {
        const step = 1 + rnd(7);
        s.push(buf.subarray(i, i + step));
        i += step;
      }
      expect(s.result(header).fast, JSON.stringify({ cols, header, text })).toEqual(want);
    }
  });
});
