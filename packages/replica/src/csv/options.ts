// Rows of the options data types: BVOLIndex (about one row per second) and EOHSummary (hourly contract summaries).
import { isoDate } from "../calendar.js";
import { plain, units } from "../decimal.js";
import { type CsvContext, epoch } from "./context.js";

/** BVOLIndex: `calc_time,symbol,base_asset,quote_asset,index_value`, one row per second from the day's start. */
export function* bvolRows(ctx: CsvContext): Generator<string> {
  const { rng } = ctx;
  const quote = ctx.symbol.endsWith("USDT") ? "USDT" : "USD";
  const base = ctx.symbol.slice(0, ctx.symbol.length - quote.length);
  let value = 45 + 15 * rng.next();
  for (let i = 0, t = ctx.start; i < ctx.rowsPerFile && t < ctx.end; i++, t += 1000) {
    value = Math.max(5, value + 0.05 * rng.normal());
    yield [epoch(ctx, t + rng.int(3)), ctx.symbol, base, quote, plain(units(value, 2), 2)].join(",");
  }
}

/** EOHSummary writes zero as `0E-8`. */
function num(v: bigint, dp = 8): string {
  return v === 0n ? "0E-8" : plain(v, dp);
}

/** Next Friday strictly after the day, as the option code's YYMMDD. */
function expiryCode(dayMs: number): string {
  const dow = new Date(dayMs).getUTCDay();
  const ahead = ((5 - dow + 7) % 7 || 7) * 86_400_000;
  return isoDate(dayMs + ahead)
    .slice(2)
    .replaceAll("-", "");
}

/**
 * EOHSummary: for each hour, a strip of calls and puts around the price. The first contract of each file has no
 * trades (zero cells written `0E-8`), the second has no bid (empty `""` cells), as in the real files.
 */
export function* eohRows(ctx: CsvContext): Generator<string> {
  const { rng, profile: p } = ctx;
  const asset = ctx.symbol.replace(/USDT$/, "");
  const step =
    p.price >= 10_000 ? 1000 : p.price >= 1000 ? 50 : p.price >= 100 ? 5 : p.price >= 1 ? 0.05 : 0.005;
  const atm = Math.round(p.price / step) * step;
  const expiry = expiryCode(ctx.start);
  const contracts: { strike: number; type: "C" | "P" }[] = [];
  for (let k = -2; k <= 2; k++)
    for (const type of ["C", "P"] as const) contracts.push({ strike: atm + k * step, type });
  const date = isoDate(ctx.start);
  let n = 0;
  for (let hour = 0; hour < 24; hour++) {
    for (const c of contracts) {
      if (n >= ctx.rowsPerFile) return;
      const noTrades = n === 0 || rng.chance(0.2);
      const noBid = n === 1 || rng.chance(0.05);
      n++;
      const intrinsic = Math.max(0, c.type === "C" ? p.price - c.strike : c.strike - p.price);
      const mark = intrinsic + p.price * 0.01 * (0.5 + rng.next());
      const px = (f: number) => units(mark * f, 1);
      const [o, h, l, cl] = noTrades
        ? [0n, 0n, 0n, 0n]
        : [px(1), px(1.02), px(0.98), px(1 + 0.02 * (rng.next() - 0.5))];
      const volume = noTrades ? 0n : units(rng.between(1, 400) / 100, 2);
      const volumeUsdt = noTrades ? 0n : units(Number(plain(volume)) * mark, 8);
      const iv = () => units(0.35 + 0.3 * rng.next(), 4);
      const delta = units((c.type === "C" ? 1 : -1) * (0.1 + 0.8 * rng.next()), 5);
      const oi = units(rng.between(0, 5000) / 100, 2);
      yield [
        date,
        hour,
        `${asset}-${expiry}-${plain(units(c.strike, 3))}-${c.type}`,
        ctx.symbol,
        c.type,
        plain(units(c.strike, 3)),
        num(o),
        num(h),
        num(l),
        num(cl),
        num(volume),
        num(volumeUsdt),
        noBid ? "" : num(px(0.97)),
        num(px(1.03)),
        noBid ? "" : num(units(rng.between(1, 50) / 10, 2)),
        num(units(rng.between(1, 50) / 10, 2)),
        noBid ? "" : num(iv()),
        num(iv()),
        num(px(1)),
        num(iv()),
        num(delta),
        num(units(0.00001 + 0.0001 * rng.next(), 8)),
        num(units(p.price * 0.0005 * rng.next(), 4)),
        num(units(-p.price * 0.0002 * rng.next(), 4)),
        num(oi),
        num(units(Number(plain(oi)) * p.price, 8)),
      ].join(",");
    }
  }
}
