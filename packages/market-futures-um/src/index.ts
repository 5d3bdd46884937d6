// Public surface: the USD-M futures market plugin, and its data-type table and replica quirks that COIN-M builds on.
export { futuresDuplicatedRows, futuresSilver, futuresUmMarket } from "./market.js";
export { futuresDataTypes } from "./matrix.js";
