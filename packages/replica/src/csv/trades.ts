// Trade and aggregated-trade rows: increasing ids and times, prices walking around the symbol's level.
import { DAY_MS } from "../calendar.js";
import { fixed, truncate, units } from "../decimal.js";
import { boolText, onTick } from "../profile.js";
import { type CsvContext, epoch, spreadTimes } from "./context.js";
import { contractAware } from "./klines.js";

/** Ids grow with the date, as the exchange's do (so files of consecutive days never reuse one). */
function firstId(ctx: CsvContext, perDay: number): number {
  return Math.max(1, Math.floor(ctx.start / DAY_MS) - 17_000) * perDay + ctx.rng.int(1000);
}

interface Fill {
  time: number;
  sub: number;
  price: bigint;
  qty: bigint;
  buyerMaker: boolean;
}

function* fills(ctx: CsvContext): Generator<Fill> {
  const { rng, profile: p } = ctx;
  let price = onTick(p.price * (1 + 0.01 * rng.normal()), p.tickDp);
  // Spot quantities have a lot-size step; COIN-M trades whole contracts.
  const lotDp = ctx.flavor === "spot" ? Math.min(8, p.tickDp + 3) : p.qtyDp;
  let last = -1;
  let lastSub = 0;
  for (const time of spreadTimes(ctx, ctx.rowsPerFile)) {
    price = onTick(price * (1 + 0.0002 * rng.normal()), p.tickDp);
    // Sub-millisecond parts (µs files) never step back when two fills share a millisecond.
    const sub = time === last ? lastSub + rng.int(1000 - lastSub) : rng.int(1000);
    last = time;
    lastSub = sub;
    const raw = p.tradeQty * -Math.log(1 - rng.next()) + 10 ** -lotDp;
    const qty = units(ctx.flavor === "cm" ? Math.max(1, Math.round(raw)) : raw, lotDp);
    yield { time, sub, price: units(price, p.tickDp), qty, buyerMaker: rng.chance(0.5) };
  }
}

/** trades: spot `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match`; USD-M drops the last column; COIN-M has base_qty. */
export function* tradeRows(ctx: CsvContext): Generator<string> {
  const p = ctx.profile;
  let id = firstId(ctx, 3_000_000);
  for (const f of fills(ctx)) {
    const amount = truncate(contractAware(ctx, f.qty, f.price), p.quoteDp);
    const cells: (string | number)[] = [
      id++,
      fixed(f.price, p.priceDp),
      fixed(f.qty, p.qtyDp),
      fixed(amount, p.quoteDp),
      epoch(ctx, f.time, f.sub),
      boolText(ctx.flavor, f.buyerMaker),
    ];
    if (ctx.flavor === "spot") cells.push(boolText(ctx.flavor, true));
    yield cells.join(",");
  }
}

/** aggTrades: `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]`. */
export function* aggTradeRows(ctx: CsvContext): Generator<string> {
  const p = ctx.profile;
  let aggId = firstId(ctx, 1_000_000);
  let tradeId = firstId(ctx, 3_000_000);
  for (const f of fills(ctx)) {
    const merged = ctx.rng.chance(0.7) ? 0 : ctx.rng.between(1, 4);
    const cells: (string | number)[] = [
      aggId++,
      fixed(f.price, p.priceDp),
      fixed(f.qty, p.qtyDp),
      tradeId,
      tradeId + merged,
      epoch(ctx, f.time, f.sub),
      boolText(ctx.flavor, f.buyerMaker),
    ];
    tradeId += merged + 1;
    if (ctx.flavor === "spot") cells.push(boolText(ctx.flavor, true));
    yield cells.join(",");
  }
}
