// Public surface: the USD-M futures market plugin, and its data-type table that COIN-M builds on.
export { futuresUmMarket } from "./market.js";
export { futuresDataTypes } from "./matrix.js";
