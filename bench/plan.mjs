// Streams a plan of >= 1,000,000 files through the public API and prints files/s and peak RSS.
// Target (issue 2): under 5 s and under 300 MB on a 2-core machine.
import { plan } from "../packages/runtime/dist/index.js";

const symbols = Array.from({ length: 120 }, (_, i) => `SYM${String(i).padStart(4, "0")}USDT`);
const config = {
  markets: ["spot"],
  symbols,
  data_types: ["klines"],
  intervals: ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"],
  date_range: { start: "2023-01-01", end: "2024-12-31" },
  partitions: "daily",
};
const t0 = performance.now();
const p = await plan(config);
let n = 0;
let bytes = 0;
for await (const f of p.files) {
  n++;
  bytes += f.key.length;
}
const secs = (performance.now() - t0) / 1000;
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `plan: ${n.toLocaleString("en")} files in ${secs.toFixed(2)} s = ${Math.round(n / secs).toLocaleString("en")} files/s; peak RSS ${rssMb.toFixed(0)} MB (key bytes ${bytes})`,
);
console.log(`targets: < 5 s ${secs < 5 ? "met" : "MISSED"}, < 300 MB ${rssMb < 300 ? "met" : "MISSED"}`);
