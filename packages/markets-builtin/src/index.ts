// The built-in markets, in one list: the registry, silver, the matrix build and the replica all take them from here,
// so a new built-in market is added in one place (plus its own package).
import type { MarketPlugin } from "@crypto-lakehouse/core";
import { futuresCmMarket } from "@crypto-lakehouse/market-futures-cm";
import { futuresUmMarket } from "@crypto-lakehouse/market-futures-um";
import { optionsMarket } from "@crypto-lakehouse/market-options";
import { spotMarket } from "@crypto-lakehouse/market-spot";

/** The built-in market plugins, in the order of `markets` in the composed matrix. */
export const BUILTIN_MARKETS: readonly MarketPlugin[] = [
  spotMarket,
  futuresUmMarket,
  futuresCmMarket,
  optionsMarket,
];

/** Their ids, in the same order. */
export const BUILTIN_MARKET_IDS: readonly string[] = BUILTIN_MARKETS.map((m) => m.id);
