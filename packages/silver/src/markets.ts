// The market plugins a silver build follows when the caller names none: the four built-in markets.
import type { MarketPlugin } from "@crypto-lakehouse/core";
import { futuresCmMarket } from "@crypto-lakehouse/market-futures-cm";
import { futuresUmMarket } from "@crypto-lakehouse/market-futures-um";
import { optionsMarket } from "@crypto-lakehouse/market-options";
import { spotMarket } from "@crypto-lakehouse/market-spot";

export const DEFAULT_MARKETS: readonly MarketPlugin[] = [
  spotMarket,
  futuresUmMarket,
  futuresCmMarket,
  optionsMarket,
];
