// The exact decimal expression in DuckDB: every path (fast, wide, exponent, rounding) against hand-checked values.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Duck, openDuck } from "./duck.js";
import { exactDecimal, lit } from "./sql.js";

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(() => duck.close());

const parse = async (text: string | null) => {
  const [r] = await duck.rows<{ v: string | null; t: string }>(
    `SELECT ${exactDecimal(text === null ? "CAST(NULL AS VARCHAR)" : lit(text))} AS v, typeof(${exactDecimal(lit("1"))}) AS t`,
  );
  expect(r!.t).toBe("DECIMAL(38,18)");
  return r!.v;
};

describe("exactDecimal", () => {
  it.each([
    ["69350.53000000", "69350.530000000000000000"],
    ["-0.00012345", "-0.000123450000000000"],
    ["0", "0.000000000000000000"],
    ["1234567890", "1234567890.000000000000000000"],
    // 20 significant digits: a spot 1mo quote volume.
    ["123456789012.12345678", "123456789012.123456780000000000"],
    ["99999999999999999999.999999999999999999", "99999999999999999999.999999999999999999"],
    // metrics: 16 decimals.
    ["5863836319.9668300000000000", "5863836319.966830000000000000"],
    ["0.000000000000000001", "0.000000000000000001"],
    // EOHSummary zero.
    ["0E-8", "0.000000000000000000"],
    ["1.23E-9", "0.000000001230000000"],
    [".5", "0.500000000000000000"],
    ["12345678901", "12345678901.000000000000000000"],
  ])("%s → %s", async (text, want) => {
    expect(await parse(text)).toBe(want);
  });

  it("keeps NULL (empty CSV cells) as NULL", async () => {
    expect(await parse(null)).toBeNull();
  });

  it("fails loudly on text that is no number, and on values beyond 20 integer digits", async () => {
    await expect(parse("abc")).rejects.toThrow(/Could not convert|Conversion/);
    await expect(parse("123456789012345678901.5")).rejects.toThrow();
  });
});
