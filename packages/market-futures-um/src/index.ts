// Public surface: the USD-M futures market plugin.
export { futuresUmMarket } from "./market.js";
