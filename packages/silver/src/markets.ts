// The market plugins a silver build follows when the caller names none: the built-in markets.
import type { MarketPlugin } from "@crypto-lakehouse/core";
import { BUILTIN_MARKETS } from "@crypto-lakehouse/markets-builtin";

export const DEFAULT_MARKETS: readonly MarketPlugin[] = BUILTIN_MARKETS;
