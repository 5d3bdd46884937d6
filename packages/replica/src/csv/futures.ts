// Rows of the futures-only data types: fundingRate, metrics, bookDepth, bookTicker, liquidationSnapshot.
import { datetimeText } from "../calendar.js";
import { fixed, units } from "../decimal.js";
import { onTick } from "../profile.js";
import { type CsvContext, epoch, spreadTimes } from "./context.js";

const HOUR_MS = 3_600_000;

/** Writes each row twice in a row when the file carries the duplication quirk. */
function* maybeTwice(ctx: CsvContext, rows: Iterable<string>): Generator<string> {
  for (const row of rows) {
    yield row;
    if (ctx.duplicate) yield row;
  }
}

/** fundingRate (monthly): every 8 h, with a few ms of jitter on calc_time (e.g. …003). */
export function* fundingRateRows(ctx: CsvContext): Generator<string> {
  const { rng } = ctx;
  let n = 0;
  for (let t = ctx.start; t < ctx.end && n < ctx.rowsPerFile; t += 8 * HOUR_MS, n++) {
    const rate = units(0.0001 + 0.00015 * rng.normal() * (rng.chance(0.3) ? 1 : 0.1), 8);
    yield [epoch(ctx, t + 1 + rng.int(6)), 8, fixed(rate, 8)].join(",");
  }
}

/** metrics (daily): 5-minute grid, text datetimes, mixed decimal precisions, some empty ratio cells. */
export function* metricsRows(ctx: CsvContext): Generator<string> {
  const { rng, profile: p } = ctx;
  const base = (ctx.flavor === "cm" ? 400_000 : 80_000) * (0.9 + 0.2 * rng.next());
  const rows = function* () {
    for (let i = 0, t = ctx.start; t < ctx.end && i < ctx.rowsPerFile; i++, t += 5 * 60_000) {
      const oi = units(base * (1 + 0.01 * rng.normal()), 3);
      const value = units(Number(fixed(oi, 3)) * (ctx.flavor === "cm" ? 100 / p.price : p.price), 5);
      // The archive leaves some ratio cells empty; keep one such row in every file.
      const blank = ctx.emptyCells && i % 24 === 1;
      const ratio = (dp: number) => (blank ? "" : fixed(units(1 + 0.6 * rng.next(), 4), dp));
      yield [
        datetimeText(t),
        ctx.symbol,
        `${fixed(oi, 8)}00000000`,
        `${fixed(value, 8)}00000000`,
        ratio(8),
        blank ? "" : `${fixed(units(1 + 0.5 * rng.next(), 4), 8)}00`,
        `${fixed(units(1 + 0.9 * rng.next(), 4), 8)}00`,
        fixed(units(0.5 + 0.5 * rng.next(), 5), 8),
      ].join(",");
    }
  };
  yield* maybeTwice(ctx, rows());
}

const DEPTH_BANDS = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5];

/** bookDepth (daily): one snapshot of ten percentage bands about every 30 s. */
export function* bookDepthRows(ctx: CsvContext): Generator<string> {
  const { rng, profile: p } = ctx;
  const snapshots = Math.max(1, Math.floor(ctx.rowsPerFile / DEPTH_BANDS.length));
  for (let s = 0, t = ctx.start + 8_000; s < snapshots && t < ctx.end; s++, t += 30_000 + rng.int(2000)) {
    for (const pct of DEPTH_BANDS) {
      const depth = units(Math.abs(pct) * p.minuteVolume * 30 * (0.8 + 0.4 * rng.next()), 8);
      const notional = units(Number(fixed(depth, 8)) * p.price * (1 + pct / 200), 8);
      yield [datetimeText(t), pct, fixed(depth, 8), fixed(notional, 8)].join(",");
    }
  }
}

/** bookTicker: best bid/ask updates, event_time at or just after transaction_time. */
export function* bookTickerRows(ctx: CsvContext): Generator<string> {
  const { rng, profile: p } = ctx;
  let updateId = Math.floor(ctx.start / 1000) * 3 + rng.int(1000);
  let mid = p.price;
  const tick = 10 ** -p.tickDp;
  for (const t of spreadTimes(ctx, ctx.rowsPerFile)) {
    mid = onTick(mid * (1 + 0.0001 * rng.normal()), p.tickDp);
    const bid = units(mid, p.tickDp);
    const ask = units(mid + tick * (1 + rng.int(3)), p.tickDp);
    const qty = () => fixed(units(p.tradeQty * 20 * rng.next() + 10 ** -p.qtyDp, p.qtyDp), p.qtyDp);
    updateId += 1 + rng.int(50);
    yield [
      updateId,
      fixed(bid, p.priceDp),
      qty(),
      fixed(ask, p.priceDp),
      qty(),
      epoch(ctx, t),
      epoch(ctx, t + rng.int(6)),
    ].join(",");
  }
}

/** liquidationSnapshot (COIN-M): forced orders; the archive writes every event twice. */
export function* liquidationRows(ctx: CsvContext): Generator<string> {
  const { rng, profile: p } = ctx;
  const rows = function* () {
    for (const t of spreadTimes(ctx, ctx.rowsPerFile)) {
      const side = rng.chance(0.5) ? "SELL" : "BUY";
      const qty = units(Math.max(1, Math.round(-Math.log(1 - rng.next()) * 30)), 0);
      const price = units(onTick(p.price * (1 + 0.003 * rng.normal()), p.tickDp), p.tickDp);
      const avg = units(
        onTick(Number(fixed(price, p.tickDp)) * (1 + (side === "SELL" ? -1 : 1) * 0.0005), p.tickDp),
        p.tickDp,
      );
      const q = fixed(qty, p.qtyDp);
      yield [
        epoch(ctx, t),
        side,
        "LIMIT",
        "IOC",
        q,
        fixed(price, p.priceDp),
        fixed(avg, p.priceDp),
        "FILLED",
        q,
        q,
      ].join(",");
    }
  };
  yield* maybeTwice(ctx, rows());
}
