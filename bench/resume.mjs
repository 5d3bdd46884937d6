// How long deciding what to skip takes for 100k planned files already in bronze (issue 3: seconds, not minutes).
// Builds a local bronze tree of 100,000 zips + .CHECKSUMs + records, then streams the plan through the resume index.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bronzeKey, fileRecordKey } from "../packages/core/dist/index.js";
import { BronzeIndex } from "../packages/engine/dist/index.js";
import { plan } from "../packages/runtime/dist/index.js";
import { createLocalStorage } from "../packages/storage-local/dist/index.js";

const root = join(tmpdir(), "lh-bench-resume");
rmSync(root, { recursive: true, force: true });
const symbols = Array.from({ length: 137 }, (_, i) => `RES${String(i).padStart(4, "0")}USDT`);
const config = {
  markets: ["spot"],
  symbols,
  data_types: ["trades"],
  date_range: { start: "2023-01-01", end: "2024-12-31" },
  partitions: "daily",
};

let t = performance.now();
let n = 0;
const made = new Set();
const p = await plan(config);
for await (const f of p.files) {
  const zip = join(root, bronzeKey(f));
  const rec = join(root, fileRecordKey(bronzeKey(f)));
  for (const d of [zip, rec].map((x) => x.slice(0, x.lastIndexOf("/")))) {
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
  }
  writeFileSync(zip, "");
  writeFileSync(`${zip}.CHECKSUM`, ""); // stored verified: resume skips only those in a verifying run
  writeFileSync(rec, "{}");
  n++;
}
console.log(
  `setup: ${n.toLocaleString("en")} bronze files + .CHECKSUMs + records in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const storage = createLocalStorage({ root });
const index = new BronzeIndex(storage);
t = performance.now();
let skipped = 0;
const again = await plan(config);
// As collect runs it: the plan streamed through checkAll.
for await (const [, d] of index.checkAll(again.files)) if (d.done) skipped++;
const secs = (performance.now() - t) / 1000;
console.log(
  `resume: ${skipped.toLocaleString("en")} of ${n.toLocaleString("en")} planned files found done in ${secs.toFixed(2)} s (${Math.round(n / secs).toLocaleString("en")} files/s); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
rmSync(root, { recursive: true, force: true });
