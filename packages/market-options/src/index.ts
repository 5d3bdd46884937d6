// Public surface: the options market plugin.
export { optionsMarket } from "./market.js";
