// Embedding example: collect with the programmatic API, the same config as the JSON file, and print the result.
// Usage: node collect.mjs <endpoint> <output-dir>   (omit the endpoint to use the real archive)
import { collect } from "@crypto-lakehouse/runtime";

const [endpoint, output = "./lakehouse"] = process.argv.slice(2);
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());

let last = 0;
const result = await collect(
  {
    markets: ["spot"],
    symbols: ["BTCUSDT"],
    data_types: ["klines"],
    intervals: { klines: ["1d"] },
    date_range: { start: "2023-07-01", end: "2023-07-31" },
    output_directory: output,
    ...(endpoint ? { endpoint } : {}),
  },
  {
    signal: controller.signal,
    onProgress: (p) => {
      last = p.done;
    },
  },
);
console.log(
  JSON.stringify({
    ok: result.ok,
    status: result.status,
    runId: result.runId,
    counts: result.counts,
    bytes: result.bytes,
    progressCalls: last,
  }),
);
