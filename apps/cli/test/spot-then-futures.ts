// The archive and selection of the failed-run tests (in-process and queued): spot's files are planned first and
// fill one batch of 3, then futures_um's, so a store that fails on futures_um fails the run after spot is stored.
import type { ReplicaOptions } from "@crypto-lakehouse/testkit";
import type { Selection } from "./args.js";

export const START = "2023-07-01";
export const END = "2023-07-03";

/** BTCUSDT daily 1d klines of spot and futures_um over three days: three files each. */
export const SPOT_THEN_FUTURES_REPLICA: Omit<ReplicaOptions, "outDir"> = {
  markets: ["spot", "futures_um"],
  dataTypes: ["klines"],
  intervals: ["1d"],
  partitions: ["daily"],
  symbols: { spot: ["BTCUSDT"], futures_um: ["BTCUSDT"] },
  start: START,
  end: END,
  rowsPerFile: 5,
  quirks: false,
};

/** All of that replica: `--market spot,futures_um --symbols BTCUSDT --data-types klines --intervals 1d …` */
export const SPOT_THEN_FUTURES: Selection = {
  market: "spot,futures_um",
  symbols: "BTCUSDT",
  dataTypes: "klines",
  intervals: "1d",
  partitions: "daily",
  start: START,
  end: END,
};
