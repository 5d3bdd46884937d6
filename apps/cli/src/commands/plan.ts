// `lakehouse plan`: which archive files a request means, without downloading anything.
import type { ArchiveFile, CollectionRequest } from "@crypto-lakehouse/core";
import { type Command, Option } from "commander";
import { addRunFlags, type RunFlags } from "../flags.js";
import { resolveSelection } from "../lake.js";
import { table } from "../table.js";
import { renderEstimate } from "./sync.js";

interface PlanFlags extends RunFlags {
  keys?: boolean;
  json?: boolean;
  estimate?: boolean;
}

const SAMPLES = 5;

export function registerPlan(program: Command): void {
  addRunFlags(
    program
      .command("plan")
      .description("list the archive files a request would collect (nothing is downloaded)"),
  )
    .addOption(
      new Option("--keys", "print every planned archive key, one per line, nothing else").conflicts("json"),
    )
    .option("--json", "print one JSON document with counts, notes and keys")
    .option(
      "--estimate",
      "also list the archive (one listing per folder): bytes, what --output already holds, and the time it would take",
    )
    .action(runPlan);
}

async function runPlan(f: PlanFlags): Promise<void> {
  const { estimateResolved, planResolved } = await import("@crypto-lakehouse/runtime");
  const run = await resolveSelection(f);
  if (f.estimate && !f.keys) {
    const e = await estimateResolved(run);
    process.stdout.write(f.json ? `${JSON.stringify({ estimate: e }, null, 2)}\n` : `${renderEstimate(e)}\n`);
    return;
  }
  const plan = await planResolved(run);
  try {
    const counted = await countPlan(plan.files, f);
    if (f.keys) return;
    const notes = plan.notes.map((n) => ({
      level: n.level,
      ...(n.market ? { market: n.market } : {}),
      ...(n.dataType ? { dataType: n.dataType } : {}),
      message: n.message,
    }));
    const { total, byGroup, keys } = counted;
    process.stdout.write(
      f.json
        ? `${JSON.stringify({ total, counts: Object.fromEntries(byGroup), notes, keys }, null, 2)}\n`
        : `${renderPlan(run.request, counted, notes)}\n`,
    );
  } finally {
    await plan.dispose();
  }
}

interface CountedPlan {
  total: number;
  /** Files per `market/data type/partition`. */
  byGroup: Map<string, number>;
  /** Every key (--json), or none. */
  keys: string[];
  /** The first few keys, for people. */
  samples: string[];
}

/** Counts the planned files by group; with --keys prints each key as it comes (waiting when stdout is full). */
async function countPlan(files: AsyncIterable<ArchiveFile>, f: PlanFlags): Promise<CountedPlan> {
  const { groupKey } = await import("@crypto-lakehouse/runtime");
  const counted: CountedPlan = { total: 0, byGroup: new Map(), keys: [], samples: [] };
  const { byGroup, keys, samples } = counted;
  const out = process.stdout;
  for await (const file of files) {
    counted.total++;
    byGroup.set(groupKey(file), (byGroup.get(groupKey(file)) ?? 0) + 1);
    if (f.keys) {
      if (!out.write(`${file.key}\n`)) await new Promise((r) => out.once("drain", r));
    } else if (f.json) keys.push(file.key);
    else if (samples.length < SAMPLES) samples.push(file.key);
  }
  return counted;
}

function renderPlan(
  request: CollectionRequest,
  { total, byGroup, samples }: CountedPlan,
  notes: { market?: string; message: string }[],
): string {
  const rows = [...byGroup].map(([g, n]) => [...g.split("/"), n]);
  const lines = [
    `${total} file${total === 1 ? "" : "s"} planned (${request.start ?? "earliest"} … ${request.end}, partitions ${request.partitions})`,
  ];
  if (rows.length) lines.push("", table(["market", "data type", "partition", "files"], rows));
  if (notes.length)
    lines.push("", "Notes:", ...notes.map((n) => `  - ${n.market ? `${n.market}: ` : ""}${n.message}`));
  if (samples.length) lines.push("", "Sample keys:", ...samples.map((k) => `  ${k}`));
  return lines.join("\n");
}
