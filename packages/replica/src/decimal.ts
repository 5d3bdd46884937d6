// Exact decimal strings for CSV cells: values are bigint counts of 1e-8, never floats on the way out.

/** Every amount is held as an integer number of 1e-8 units. */
export const SCALE_DP = 8;
const SCALE = 10n ** 8n;

/** Units for a float, rounded to `dp` decimals (dp ≤ 8) so the printed string is exact. */
export function units(value: number, dp: number = SCALE_DP): bigint {
  const step = 10 ** (SCALE_DP - dp);
  return BigInt(Math.round((value * 10 ** SCALE_DP) / step)) * BigInt(step);
}

/** Rounds units down to a multiple of 10^(8-dp) (truncation towards zero). */
export function truncate(value: bigint, dp: number): bigint {
  const step = 10n ** BigInt(SCALE_DP - dp);
  return (value / step) * step;
}

/** `a × b` for two unit amounts, truncated to 1e-8. */
export function mul(a: bigint, b: bigint): bigint {
  return (a * b) / SCALE;
}

/** `a ÷ b` for two unit amounts, truncated to 1e-8. */
export function div(a: bigint, b: bigint): bigint {
  return b === 0n ? 0n : (a * SCALE) / b;
}

/** Fixed-point text with exactly `dp` decimals (`64123.45000000`); `dp = 0` prints an integer. */
export function fixed(value: bigint, dp: number): string {
  const neg = value < 0n;
  const abs = truncate(neg ? -value : value, dp);
  const int = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(SCALE_DP, "0").slice(0, dp);
  const text = dp > 0 ? `${int}.${frac}` : `${int}`;
  return neg && abs !== 0n ? `-${text}` : text;
}

/** Plain text without trailing zeros (`0.0001`, `52.31`), as some archive columns are written. */
export function plain(value: bigint, dp: number = SCALE_DP): string {
  const text = fixed(value, dp);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** Significant digits of a decimal string (for the 20-digit quote-volume check). */
export function significantDigits(text: string): number {
  return text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").length;
}
