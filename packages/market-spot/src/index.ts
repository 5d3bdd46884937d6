// Public surface: the spot market plugin.
export { spotMarket } from "./market.js";
