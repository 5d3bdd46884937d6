// Kline rows for klines and the index/mark/premium-index variants: consistent OHLC on the interval grid.
import { DAY_MS, klineGrid, nominalIntervalMs } from "../calendar.js";
import { div, fixed, mul, truncate, units } from "../decimal.js";
import { onTick } from "../profile.js";
import { type CsvContext, epoch } from "./context.js";

const HOUR_MS = 3_600_000;

/** How many rows a kline file gets: daily files with intervals of 1h or more hold the whole day. */
export function klineRowCount(
  ctx: Pick<CsvContext, "partition" | "interval" | "rowsPerFile" | "start" | "end">,
): number {
  const interval = ctx.interval ?? "1m";
  let all = 0;
  for (const _ of klineGrid(interval, ctx.start, ctx.end)) all++;
  if (ctx.partition === "daily" && nominalIntervalMs(interval) >= HOUR_MS) return all;
  return Math.min(all, ctx.rowsPerFile);
}

export function* klineRows(ctx: CsvContext): Generator<string> {
  const interval = ctx.interval ?? "1m";
  const { rng, profile: p, dataType } = ctx;
  const minutes = nominalIntervalMs(interval) / 60_000;
  const premium = dataType === "premiumIndexKlines";
  const traded = dataType === "klines";
  // Premium index values are tiny signed ratios; everything else follows the symbol's price.
  const tickDp = premium ? 8 : p.tickDp;
  const priceDp = premium ? 8 : p.priceDp;
  const sigma = premium ? 0 : 0.0008 * Math.sqrt(minutes);
  let close = premium ? (rng.next() - 0.4) * 0.0004 : onTick(p.price * (1 + 0.01 * rng.normal()), tickDp);
  const count = klineRowCount(ctx);
  let i = 0;
  for (const { open: openMs, next } of klineGrid(interval, ctx.start, ctx.end)) {
    if (i >= count) break;
    const openTime = epoch(ctx, openMs);
    const closeTime = epoch(ctx, next) - 1;
    const outage = ctx.outageRow === i;
    i++;
    const o = close;
    let c: number;
    let h: number;
    let l: number;
    if (outage) {
      c = h = l = o;
    } else if (premium) {
      c = Number(((rng.next() - 0.4) * 0.0004).toFixed(8));
      h = Number((Math.max(o, c) + rng.next() * 0.00005).toFixed(8));
      l = Number((Math.min(o, c) - rng.next() * 0.00005).toFixed(8));
    } else {
      c = onTick(o * (1 + sigma * rng.normal()), tickDp);
      h = onTick(Math.max(o, c) * (1 + (Math.abs(rng.normal()) * sigma) / 2), tickDp);
      l = onTick(Math.min(o, c) * (1 - (Math.abs(rng.normal()) * sigma) / 2), tickDp);
    }
    close = c;
    const [uo, uh, ul, uc] = [units(o, tickDp), units(h, tickDp), units(l, tickDp), units(c, tickDp)];
    let volume = 0n;
    let quote = 0n;
    let trades = 0;
    let takerVol = 0n;
    let takerQuote = 0n;
    if (outage) {
      // An exchange outage: a flat candle with no volume, not a missing row.
    } else if (traded) {
      volume = units(p.minuteVolume * minutes * (0.8 + 0.4 * rng.next()), p.qtyDp);
      const vwap = (uo + uh + ul + uc) / 4n;
      quote = truncate(contractAware(ctx, volume, vwap), p.quoteDp);
      trades = Math.max(1, Math.round((p.minuteVolume * minutes) / p.tradeQty / (0.7 + 0.6 * rng.next())));
      takerVol = truncate((volume * BigInt(350 + rng.int(300))) / 1000n, p.qtyDp);
      takerQuote = truncate(contractAware(ctx, takerVol, vwap), p.quoteDp);
    } else {
      // Index/mark/premium klines carry no volume; `count` is the number of price updates.
      trades = Math.round((Math.min(nominalIntervalMs(interval), 31 * DAY_MS) / 1000) * (premium ? 0.2 : 1));
    }
    const zero = ctx.flavor === "spot";
    const vol = (v: bigint, dp: number) => (v === 0n && !zero ? "0" : fixed(v, dp));
    yield [
      openTime,
      fixed(uo, priceDp),
      fixed(uh, priceDp),
      fixed(ul, priceDp),
      fixed(uc, priceDp),
      vol(volume, p.qtyDp),
      closeTime,
      vol(quote, p.quoteDp),
      trades,
      vol(takerVol, p.qtyDp),
      vol(takerQuote, p.quoteDp),
      "0",
    ].join(",");
  }
}

/** Quote amount of a base amount at a price; COIN-M volumes are contracts, its "quote" is the base asset. */
export function contractAware(ctx: CsvContext, qty: bigint, price: bigint): bigint {
  if (ctx.flavor !== "cm") return mul(qty, price);
  return div(qty * BigInt(ctx.profile.contractUsd), price);
}
