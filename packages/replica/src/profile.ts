// Per-market number formats and per-symbol price/volume levels, so generated values look like the real ones.
import type { CsvDialect, MarketPlugin } from "@crypto-lakehouse/core";
import { DAY_MS } from "./calendar.js";

/** Market families whose files share a layout. */
export type Flavor = "spot" | "um" | "cm" | "options";

const FLAVORS: Record<CsvDialect, Flavor> = {
  spot: "spot",
  "usd-m": "um",
  "coin-m": "cm",
  options: "options",
};

/** The family of a market's files, from the market's own replica format. */
export function flavorOf(market: MarketPlugin): Flavor {
  const dialect = market.replica?.dialect;
  if (!dialect) {
    throw new Error(
      `The replica has no CSV generators for market '${market.id}' (it declares no replica format)`,
    );
  }
  return FLAVORS[dialect];
}

/** Booleans as each market writes them: spot `True`/`False`, everything else `true`/`false`. */
export function boolText(flavor: Flavor, value: boolean): string {
  if (flavor === "spot") return value ? "True" : "False";
  return value ? "true" : "false";
}

export interface SymbolProfile {
  /** Price level on the file's date (float; generators round it to `tickDp`). */
  price: number;
  /** Decimals of the price tick (the printed precision for futures). */
  tickDp: number;
  /** Decimals printed for prices: spot always 8, futures the tick. */
  priceDp: number;
  /** Decimals printed for base quantities (COIN-M: whole contracts). */
  qtyDp: number;
  /** Decimals printed for quote amounts (COIN-M: base-asset amounts). */
  quoteDp: number;
  /** Mean traded base quantity per minute. */
  minuteVolume: number;
  /** Mean quantity of one trade. */
  tradeQty: number;
  /** COIN-M contract size in USD. */
  contractUsd: number;
}

const LEVELS: [prefix: string, price: number, minuteVolume: number, tradeQty: number][] = [
  ["BTC", 64123.45, 80, 0.05],
  ["ETH", 3412.78, 900, 0.6],
  ["BNB", 590.12, 700, 1.5],
  ["SOL", 145.67, 3000, 8],
  ["XRP", 0.5234, 900_000, 900],
  ["DOGE", 0.1234, 3_000_000, 4000],
];

/** Price and volume levels of a symbol on a day; the price drifts slowly with the date. */
export function symbolProfile(flavor: Flavor, symbol: string, dayStartMs: number): SymbolProfile {
  const level = LEVELS.find(([p]) => symbol.startsWith(p)) ?? ["", 1.2345, 50_000, 100];
  const days = Math.floor(dayStartMs / DAY_MS);
  const price = level[1] * (1 + 0.25 * Math.sin(days / 45));
  const tickDp = price >= 100 ? 2 : price >= 1 ? 4 : 5;
  switch (flavor) {
    case "spot":
      return {
        price,
        tickDp,
        priceDp: 8,
        qtyDp: 8,
        quoteDp: 8,
        minuteVolume: level[2],
        tradeQty: level[3],
        contractUsd: 0,
      };
    case "um":
      return {
        price,
        tickDp,
        priceDp: tickDp,
        qtyDp: 3,
        quoteDp: 5,
        minuteVolume: level[2],
        tradeQty: level[3],
        contractUsd: 0,
      };
    case "cm": {
      const cmTick = price >= 100 ? 1 : 4;
      const contractUsd = symbol.startsWith("BTC") ? 100 : 10;
      // COIN-M volumes are counted in contracts.
      const minuteVolume = Math.max(1, Math.round((level[2] * price) / contractUsd / 4));
      return {
        price,
        tickDp: cmTick,
        priceDp: cmTick,
        qtyDp: 0,
        quoteDp: 8,
        minuteVolume,
        tradeQty: 20,
        contractUsd,
      };
    }
    case "options":
      return {
        price,
        tickDp,
        priceDp: tickDp,
        qtyDp: 2,
        quoteDp: 8,
        minuteVolume: 1,
        tradeQty: 1,
        contractUsd: 0,
      };
  }
}

/** Rounds a float price to its tick. */
export function onTick(price: number, tickDp: number): number {
  const f = 10 ** tickDp;
  return Math.max(1 / f, Math.round(price * f) / f);
}
