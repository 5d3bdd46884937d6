// Dates, periods and kline intervals in UTC: enumerate days and whole months, walk an interval grid.
import type { Partition } from "@crypto-lakehouse/core";

export const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds of `YYYY-MM-DD` 00:00 UTC; NaN when the text is not a real date. */
export function dateMs(date: string): number {
  const m = DATE.exec(date);
  if (!m) return Number.NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isoDate(ms) === date ? ms : Number.NaN;
}

/** `YYYY-MM-DD` of a UTC instant. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:MM:SS` of a UTC instant (metrics and bookDepth time cells). */
export function datetimeText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** First instant of the month after the one holding `ms`. */
export function nextMonthMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Every day from start to end inclusive, as `YYYY-MM-DD`. */
export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = dateMs(start); t <= dateMs(end); t += DAY_MS) out.push(isoDate(t));
  return out;
}

/** Every month lying wholly inside [start, end], as `YYYY-MM`. */
export function wholeMonthsBetween(start: string, end: string): string[] {
  const out: string[] = [];
  const s = dateMs(start);
  const e = dateMs(end) + DAY_MS; // exclusive
  let t = Date.UTC(new Date(s).getUTCFullYear(), new Date(s).getUTCMonth(), 1);
  if (t < s) t = nextMonthMs(t);
  for (; nextMonthMs(t) <= e; t = nextMonthMs(t)) out.push(isoDate(t).slice(0, 7));
  return out;
}

/** [start, end) of a file's period in ms. */
export function periodRange(partition: Partition, period: string): { start: number; end: number } {
  const start = dateMs(partition === "daily" ? period : `${period}-01`);
  return { start, end: partition === "daily" ? start + DAY_MS : nextMonthMs(start) };
}

/** First day of a period as `YYYY-MM-DD` (windows and switch dates compare against it). */
export function periodStartDate(partition: Partition, period: string): string {
  return partition === "daily" ? period : `${period}-01`;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** Fixed length of an interval in ms; undefined for `1mo` (months vary). */
export function intervalMs(interval: string): number | undefined {
  if (interval === "1mo") return undefined;
  const m = /^(\d+)([smhdw])$/.exec(interval);
  if (!m) throw new Error(`Unknown kline interval '${interval}'`);
  return Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
}

/** Approximate length in ms, `1mo` as 30 days (sizing volumes, ordering intervals). */
export function nominalIntervalMs(interval: string): number {
  return intervalMs(interval) ?? 30 * DAY_MS;
}

// Binance weeks open on Monday 00:00 UTC; the epoch was a Thursday, so Mondays sit 4 days after it.
const WEEK_OFFSET = 4 * DAY_MS;

/** Open times of the interval grid inside [start, end), the first one at or after start. */
export function* klineGrid(
  interval: string,
  start: number,
  end: number,
): Generator<{ open: number; next: number }> {
  const len = intervalMs(interval);
  if (len === undefined) {
    for (let t = start; t < end; t = nextMonthMs(t)) yield { open: t, next: nextMonthMs(t) };
    return;
  }
  const offset = interval.endsWith("w") ? WEEK_OFFSET : 0;
  let t = Math.ceil((start - offset) / len) * len + offset;
  for (; t < end; t += len) yield { open: t, next: t + len };
}
