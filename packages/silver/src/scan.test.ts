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
});
