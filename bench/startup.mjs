// `pnpm bench startup`: how fast the `lakehouse` CLI starts — wall time, CPU time and peak RSS of `--version`,
// `--help` and a one-day `plan`, median of N whole-process runs (issue #12 point 5: < 150 ms wall, < 70 MB RSS).
// Options: --runs N (default 15), --cli PATH (another build's apps/cli/dist/bin.js, printed as a ratio to it),
// --json (one JSON document instead of the table). Bare `node -e 0` is measured in the same rounds as a baseline.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "15" }, cli: { type: "string" }, json: { type: "boolean" } },
});
const RUNS = Number(values.runs);
const ours = join(import.meta.dirname, "..", "apps", "cli", "dist", "bin.js");
const reference = values.cli ? resolve(values.cli) : undefined;
for (const p of [ours, reference].filter(Boolean)) {
  if (!existsSync(p)) {
    console.error(`${p} is missing: run \`pnpm build\` first`);
    process.exit(2);
  }
}
const TIME = "/usr/bin/time";
if (!existsSync(TIME)) {
  console.error("GNU time is needed for CPU and RSS figures: apt-get install time");
  process.exit(2);
}

const CASES = {
  "--version": ["--version"],
  "--help": ["--help"],
  "plan (one day)": [
    "plan",
    ...["--market", "spot", "--symbols", "BTCUSDT", "--data-types", "klines", "--intervals", "1d"],
    ...["--start", "2024-01-01", "--end", "2024-01-01"],
  ],
};

/** One whole-process run under GNU time: wall (ms), user+sys CPU (ms), max RSS (MB). */
function once(cli, args) {
  const r = spawnSync(TIME, ["-f", "LH_TIME %e %U %S %M", process.execPath, cli, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const m = /LH_TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing in: ${r.stderr}`);
  return {
    wallMs: Number(m[1]) * 1000,
    cpuMs: (Number(m[2]) + Number(m[3])) * 1000,
    rssMb: Number(m[4]) / 1024,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const builds = { ours, ...(reference ? { reference } : {}) };
const samples = {};
for (const name of Object.keys(builds))
  samples[name] = Object.fromEntries(Object.keys(CASES).map((c) => [c, []]));
// Interleaved: every round runs each case once per build, so load from other jobs hits both alike.
// Bare node (`node -e 0`): what every command pays before any of our code, measured in the same rounds.
const bare = [];
for (let i = 0; i < RUNS; i++) {
  for (const [c, args] of Object.entries(CASES)) {
    for (const [name, cli] of Object.entries(builds)) samples[name][c].push(once(cli, args));
  }
  bare.push(once("-e", ["0"]));
}
const summary = {};
for (const [name, byCase] of Object.entries(samples)) {
  summary[name] = Object.fromEntries(
    Object.entries(byCase).map(([c, runs]) => [
      c,
      {
        wallMs: median(runs.map((r) => r.wallMs)),
        cpuMs: median(runs.map((r) => r.cpuMs)),
        rssMb: median(runs.map((r) => r.rssMb)),
      },
    ]),
  );
}
const bareNode = {
  wallMs: median(bare.map((r) => r.wallMs)),
  cpuMs: median(bare.map((r) => r.cpuMs)),
  rssMb: median(bare.map((r) => r.rssMb)),
};
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
if (values.json) {
  console.log(JSON.stringify({ runs: RUNS, load, summary, bareNode }, null, 2));
  process.exit(0);
}
console.log(`startup: median of ${RUNS} runs each, node ${process.version}, load average ${load}`);
const rows = [
  ["command", "wall ms", "cpu ms", "RSS MB", ...(reference ? ["wall vs ref", "RSS vs ref"] : []), "target"],
];
let missed = 0;
for (const c of Object.keys(CASES)) {
  const o = summary.ours[c];
  const met = o.wallMs < 150 && o.rssMb < 70;
  if (!met) missed++;
  const ref = reference ? summary.reference[c] : undefined;
  rows.push([
    c,
    o.wallMs.toFixed(0),
    o.cpuMs.toFixed(0),
    o.rssMb.toFixed(1),
    ...(ref ? [`${(o.wallMs / ref.wallMs).toFixed(2)}×`, `${(o.rssMb / ref.rssMb).toFixed(2)}×`] : []),
    met ? "met" : "MISSED",
  ]);
  if (ref) rows.push([`  reference`, ref.wallMs.toFixed(0), ref.cpuMs.toFixed(0), ref.rssMb.toFixed(1)]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
for (const r of rows)
  console.log(
    r
      .map((c, i) => (c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
console.log(
  `bare node (node -e 0): ${bareNode.wallMs.toFixed(0)} ms wall, ${bareNode.cpuMs.toFixed(0)} ms CPU, ` +
    `${bareNode.rssMb.toFixed(1)} MB`,
);
console.log(`targets (< 150 ms wall, < 70 MB RSS): ${missed ? `${missed} MISSED` : "all met"}`);
