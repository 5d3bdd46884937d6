// Public surface: the COIN-M futures market plugin.
export { futuresCmMarket } from "./market.js";
