// Which files one series (market × data type × symbol × interval) needs over a date range: whole months
// from monthly files, the rest from daily files, within the dataset's known windows and what is published.

import type { DataTypeSpec, Partition, PartitionMode } from "@crypto-lakehouse/core";
import { firstDayOfMonth, lastDayOfMonth, monthOf, nextMonth } from "@crypto-lakehouse/core";

export interface SeriesAvailability {
  daily: boolean;
  monthly: boolean;
  dailyWindow?: { from?: string; to?: string };
  monthlyWindow?: { from?: string; to?: string };
}

export function availability(spec: DataTypeSpec, interval?: string): SeriesAvailability {
  const has = (p: Partition) =>
    spec.partitions.includes(p) && (interval === undefined || (spec.intervals?.[p] ?? []).includes(interval));
  const daily = has("daily") && !spec.windows?.daily?.empty;
  const monthly = has("monthly") && !spec.windows?.monthly?.empty;
  return {
    daily,
    monthly,
    ...(spec.windows?.daily ? { dailyWindow: spec.windows.daily } : {}),
    ...(spec.windows?.monthly ? { monthlyWindow: spec.windows.monthly } : {}),
  };
}

export interface SeriesPeriod {
  partition: Partition;
  period: string;
}

/**
 * Periods to fetch for `[start, end]` (inclusive dates, end already clipped to what can be published),
 * in chronological order. `lastMonthPublishable` is the last `YYYY-MM` whose monthly file can exist.
 */
export function* seriesPeriods(
  a: SeriesAvailability,
  mode: PartitionMode,
  start: string,
  end: string,
  lastMonthPublishable: string,
): Generator<SeriesPeriod> {
  const dayOk = (d: string) =>
    a.daily &&
    (!a.dailyWindow?.from || d >= a.dailyWindow.from) &&
    (!a.dailyWindow?.to || d <= a.dailyWindow.to);
  const monthOk = (m: string) =>
    a.monthly &&
    m <= lastMonthPublishable &&
    (!a.monthlyWindow?.from || m >= monthOf(a.monthlyWindow.from)) &&
    (!a.monthlyWindow?.to || m <= monthOf(a.monthlyWindow.to));
  const lastMonth = monthOf(end);
  for (let m = monthOf(start); m <= lastMonth; m = nextMonth(m)) {
    const monthStart = firstDayOfMonth(m);
    const monthEnd = lastDayOfMonth(m);
    const from = start > monthStart ? start : monthStart;
    const to = end < monthEnd ? end : monthEnd;
    const whole = from === monthStart && to === monthEnd;
    let wantDaily = false;
    let wantMonthly = false;
    if (mode === "daily") wantDaily = true;
    else if (mode === "monthly") wantMonthly = true;
    else if (mode === "both") wantDaily = wantMonthly = true;
    else if (whole && monthOk(m)) wantMonthly = true;
    else if (a.daily) wantDaily = true;
    // Monthly-only series (fundingRate, 1w klines …): the month file is the only source for any day of it.
    else wantMonthly = true;

    if (wantDaily) {
      const d0 = Number(from.slice(8, 10));
      const d1 = Number(to.slice(8, 10));
      for (let d = d0; d <= d1; d++) {
        const day = `${m}-${d < 10 ? "0" : ""}${d}`;
        if (dayOk(day)) yield { partition: "daily", period: day };
      }
    }
    if (wantMonthly && monthOk(m)) yield { partition: "monthly", period: m };
  }
}
