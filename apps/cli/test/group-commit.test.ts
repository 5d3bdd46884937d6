// Group commit, end to end: collect stores zips, .CHECKSUMs and records with one file-system sync for many files.
// A `sync` first on PATH snapshots the lakehouse as each sync starts (what that sync makes durable, and all a power
// loss right after it is sure to keep), then hangs once five records are in place; the run is killed there. Checked: no
// final name ever held content that a completed sync had not made durable, a record was never durable before its
// zip and .CHECKSUM, and the next run trusts exactly the recorded files, collects the rest, and all verify.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ProxyInfo, startToxiproxy, type Toxiproxy } from "@crypto-lakehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse, startLakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveReplica, tempDir } from "./replica-env.js";

const DAY = "2023-07-01";
/** Records in place when the fake `sync` starts to hang. */
const RECORDS = 5;

/** `relative path → sha256` of one snapshot file written by the fake sync (`sha256sum` lines). */
function readSnapshot(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]{64}) {2}\.\/(.+)$/.exec(line);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Final names of what collect stores with group commit: zips, their .CHECKSUMs, their records. */
const isStored = (rel: string) =>
  /^bronze\/.*\.zip(\.CHECKSUM)?$/.test(rel) || /^_meta\/files\/bronze\/.*\.zip\.json$/.test(rel);
const zipOfRecord = (rel: string) => rel.replace(/^_meta\/files\//, "").replace(/\.json$/, "");

describe("group commit: a run killed while a group sync hangs", () => {
  let replica: ServedReplica;
  let toxi: Toxiproxy;
  let proxy: ProxyInfo;
  beforeAll(async () => {
    replica = await serveReplica({
      markets: ["spot"],
      dataTypes: ["aggTrades"],
      start: DAY,
      end: DAY,
      smallFiles: { count: 150, minKb: 5, maxKb: 30 },
    });
    // Spread the run over many syncs: on loopback a fast machine can download every file before the first
    // record is in place, so the kill would find the run already complete (nothing left to resume).
    toxi = await startToxiproxy();
    proxy = await toxi.createProxy("group-commit", `127.0.0.1:${replica.gw.port}`);
    await toxi.addToxic(proxy, { type: "latency", attributes: { latency: 20 } });
  });
  afterAll(async () => {
    await toxi?.stop();
    await replica?.stop();
  });

  it("leaves nothing trusted that a completed sync did not make durable, and resumes", async () => {
    const out = tempDir("lh-group-");
    const work = tempDir("lh-group-sync-");
    const bin = join(work, "bin");
    const snaps = join(work, "snaps");
    mkdirSync(bin);
    mkdirSync(snaps);
    const realSync = execFileSync("sh", ["-c", "command -v sync"], { encoding: "utf8" }).trim();
    writeFileSync(
      join(bin, "sync"),
      [
        "#!/bin/sh",
        `n=$(( $(ls '${snaps}' | grep -c start) + 1 ))`,
        `(cd '${out}' && find . -type f -exec sha256sum {} + 2>/dev/null) > '${snaps}/'$n.start`,
        `r=$(find '${out}/_meta/files' -name '*.zip.json' 2>/dev/null | grep -c .)`,
        `if [ $r -ge ${RECORDS} ]; then echo $$ > '${snaps}/hung'; exec sleep 600; fi`,
        `'${realSync}' "$@" || exit $?`,
        `touch '${snaps}/'$n.done`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const args = [
      "collect",
      "--endpoint",
      proxy.endpoint,
      "--concurrency",
      "2",
      ...selection({ market: "spot", symbols: "SMALL*", dataTypes: "trades", start: DAY, end: DAY }),
      "--output",
      out,
      "--json",
    ];
    const files = replica.manifest.files.filter((f) => f.bench === "small");

    const first = startLakehouse(args, { env: { PATH: `${bin}:${process.env.PATH}` } });
    const deadline = Date.now() + 90_000;
    let exited = false;
    void first.finally(() => {
      exited = true;
    });
    while (!existsSync(join(snaps, "hung")) && !exited && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    first.kill("SIGKILL");
    await first;
    const hung = Number(readFileSync(join(snaps, "hung"), "utf8"));
    process.kill(hung, "SIGKILL");
    const COMPLETED = readdirSync(snaps).filter((n) => n.endsWith(".done")).length;

    // What each sync made durable (its snapshot, taken as it started), and what the kill left.
    const durable = Array.from({ length: COMPLETED }, (_, i) => readSnapshot(join(snaps, `${i + 1}.start`)));
    for (const [i] of durable.entries()) expect(existsSync(join(snaps, `${i + 1}.done`))).toBe(true);
    const started = readSnapshot(join(snaps, `${COMPLETED + 1}.start`));
    const left = new Map(
      walk(out)
        .map((p) => p.slice(out.length + 1))
        .filter(isStored)
        .map((rel) => [rel, sha256(join(out, rel))] as const),
    );
    const records = [...left.keys()].filter((k) => k.startsWith("_meta/files/"));
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(files.length);

    // 1. A final name only ever held content a completed sync had made durable (as a temp file, then renamed).
    const everDurable = (k: number) => new Set(durable.slice(0, k).flatMap((s) => [...s.values()]));
    for (const [k, snap] of [...durable, started, left].entries()) {
      const synced = everDurable(Math.min(k, COMPLETED));
      for (const [rel, hash] of snap) if (isStored(rel)) expect(synced.has(hash), rel).toBe(true);
    }
    // 2. A record was durable only after its zip and .CHECKSUM were: in every snapshot (and in what is left),
    //    each record's zip and .CHECKSUM are in the snapshot of the sync before, with the same content.
    for (const [k, snap] of [...durable, started, left].entries()) {
      if (k === 0) continue;
      const before = k <= COMPLETED ? [...durable, started][k - 1]! : durable[COMPLETED - 1]!;
      for (const rel of snap.keys()) {
        if (!rel.startsWith("_meta/files/") || !isStored(rel)) continue;
        const zip = zipOfRecord(rel);
        expect(before.get(zip), `${rel}: its zip`).toBe(snap.get(zip));
        expect(before.get(`${zip}.CHECKSUM`), `${rel}: its .CHECKSUM`).toBe(snap.get(`${zip}.CHECKSUM`));
      }
    }

    // 3. The next run trusts exactly the recorded files and collects the rest; everything verifies.
    const second = await lakehouse(args);
    expect(second.code, second.stderr).toBe(0);
    const s = JSON.parse(second.stdout);
    expect(s.counts.skipped).toBe(records.length);
    expect(s.counts.downloaded).toBe(files.length - records.length);
    const verify = await lakehouse(["verify", "--output", out, "--json"]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).counts.ok).toBe(files.length);
    expect(walk(join(out, "bronze")).filter((p) => p.split("/").pop()!.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(join(out, "bronze")).length).toBeGreaterThan(0);
  }, 240_000);
});
