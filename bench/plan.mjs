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

// Many symbols (issue 15): 600,000 symbols × 1 day, named explicitly (normalizing and planning them) and matched
// by a glob against a listing of 600,000 symbol folders (the planner fed the listing directly). Linear planning
// means each doubling of the symbols about doubles the time: the ratios are printed next to the seconds.
const { planFiles } = await import("../packages/engine/dist/index.js");
const { resolveRun } = await import("../packages/runtime/dist/index.js");
const DAY = "2025-06-01";
const many = (n) => Array.from({ length: n }, (_, i) => `S${String(i).padStart(7, "0")}USDT`);
async function timed(fn) {
  const t = performance.now();
  const files = await fn();
  return { files, secs: (performance.now() - t) / 1000 };
}
async function count(files) {
  let n = 0;
  for await (const _ of files) n++;
  return n;
}
const oneDay = { markets: ["spot"], data_types: ["klines"], intervals: ["1d"], partitions: "daily" };
const named = (n) =>
  timed(async () =>
    count((await plan({ ...oneDay, symbols: many(n), date_range: { start: DAY, end: DAY } })).files),
  );
const globbed = (n) =>
  timed(async () => {
    const run = await resolveRun({ ...oneDay, symbols: ["S*USDT"], date_range: { start: DAY, end: DAY } });
    const listing = many(n);
    const lister = async function* (prefix) {
      if (!prefix.endsWith("/klines/")) return;
      for (const s of listing) yield { kind: "prefix", prefix: `${prefix}${s}/` };
    };
    return count(planFiles(run.request, { catalog: run.catalog, lister }).files);
  });
for (const [label, run] of [
  ["named", named],
  ["glob ", globbed],
]) {
  const rows = [];
  for (const n of [150_000, 300_000, 600_000]) rows.push({ n, ...(await run(n)) });
  const base = rows[0];
  console.log(
    `plan, many symbols (${label}): ${rows
      .map(
        (r) =>
          `${r.n.toLocaleString("en")} → ${r.files.toLocaleString("en")} files in ${r.secs.toFixed(2)} s (×${(r.secs / base.secs).toFixed(2)} for ×${r.n / base.n} symbols)`,
      )
      .join("; ")}`,
  );
  const last = rows.at(-1);
  console.log(
    `target: 600k symbols × 1 day in seconds (< 30 s) ${last.secs < 30 ? "met" : "MISSED"}; linear (×4 symbols ≤ ×6 time) ${last.secs / base.secs <= 6 ? "met" : "MISSED"}`,
  );
}
