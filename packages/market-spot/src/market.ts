// The spot market plugin: its matrix fragment, with key and symbol rules derived by core.
import { defineMarket, type MarketPlugin } from "@crypto-lakehouse/core";
import { spotMatrix } from "./matrix.js";

export const spotMarket: MarketPlugin = defineMarket({ id: "spot", label: "Spot", matrix: spotMatrix });
