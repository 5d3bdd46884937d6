// Missing kline bars: inside one file (SQL over its Parquet) and across the files of a series (from the reports).
import type { Duck } from "./duck.js";
import { isoSql, lit } from "./sql.js";
import type { GapSummary, KlineGap } from "./types.js";

const MAX_LISTED = 50;

type Step = { months: number } | { ms: number };

/** Bar length of a kline interval (`1s` … `1w`, `1mo`). */
export function intervalStep(interval: string): Step | undefined {
  const m = /^(\d+)(s|m|h|d|w|mo)$/.exec(interval);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit === "mo") return { months: n };
  const ms = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[unit]!;
  return { ms: n * ms };
}

function sqlInterval(step: Step): string {
  return "months" in step ? `INTERVAL ${step.months} MONTH` : `to_microseconds(${step.ms * 1000})`;
}

/** Bars that fit strictly between two open times. */
export function missingBetween(after: string, before: string, step: Step): number {
  const a = new Date(after);
  const b = new Date(before);
  if ("months" in step) {
    const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
    return Math.max(0, Math.floor(months / step.months) - 1);
  }
  return Math.max(0, Math.round((b.getTime() - a.getTime()) / step.ms) - 1);
}

export function emptyGaps(): GapSummary {
  return { count: 0, missingBars: 0, gaps: [] };
}

export function addGap(s: GapSummary, g: KlineGap): void {
  s.count++;
  s.missingBars += g.missing;
  if (s.gaps.length < MAX_LISTED) s.gaps.push(g);
}

/** Merges several summaries (gaps kept in the order given). */
export function mergeGaps(parts: readonly GapSummary[]): GapSummary {
  const out = emptyGaps();
  for (const p of parts) {
    out.count += p.count;
    out.missingBars += p.missingBars;
    for (const g of p.gaps) if (out.gaps.length < MAX_LISTED) out.gaps.push(g);
  }
  return out;
}

/** Gaps inside one kline Parquet file, ordered by open time. */
export async function fileGaps(duck: Duck, parquetPath: string, interval: string): Promise<GapSummary> {
  const step = intervalStep(interval);
  const out = emptyGaps();
  if (!step) return out;
  const rows = await duck.rows<{ after: string; before: string }>(
    `SELECT ${isoSql("open_time")} AS after, ${isoSql("nxt")} AS before FROM (SELECT open_time, lead(open_time) OVER (ORDER BY open_time) AS nxt ` +
      `FROM read_parquet(${lit(parquetPath)})) WHERE nxt > open_time + ${sqlInterval(step)} ORDER BY open_time`,
  );
  for (const { after, before } of rows) {
    addGap(out, { after, before, missing: missingBetween(after, before, step) });
  }
  return out;
}

/** A series' gaps: each file's own, plus those between one file's last bar and the next file's first. */
export function seriesGaps(
  interval: string,
  files: readonly { timeMin?: string; timeMax?: string; gaps?: GapSummary }[],
): GapSummary {
  const step = intervalStep(interval);
  const sorted = files
    .filter((f) => f.timeMin && f.timeMax)
    .sort((a, b) => (a.timeMin! < b.timeMin! ? -1 : 1));
  const out = emptyGaps();
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    const prev = sorted[i - 1];
    if (prev && step) {
      const missing = missingBetween(prev.timeMax!, f.timeMin!, step);
      if (missing > 0) addGap(out, { after: prev.timeMax!, before: f.timeMin!, missing });
    }
    if (f.gaps) {
      out.count += f.gaps.count;
      out.missingBars += f.gaps.missingBars;
      for (const g of f.gaps.gaps) if (out.gaps.length < MAX_LISTED) out.gaps.push(g);
    }
  }
  out.gaps.sort((a, b) => (a.after < b.after ? -1 : 1));
  return out;
}
