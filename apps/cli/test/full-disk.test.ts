// A lakehouse on a 2 MiB file system (a real tmpfs; the test mounts it, so it needs root): collect stops at the
// first "no space left", as a `failed` run that says how much room the rest needs; every zip left in bronze has its
// .CHECKSUM and record (none half-stored), nothing temporary is left; after the file system grows, the next run
// resumes and completes.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selection } from "./args.js";
import { lakehouse } from "./cli.js";
import { sha256, walk } from "./files.js";
import { type ServedReplica, serveSmallFiles, tempDir } from "./replica-env.js";

const DAY = "2023-07-01";

function mountTmpfs(dir: string, size: string): void {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new Error(
      `This test needs a 2 MiB file system and could not mount one (mount -t tmpfs -o size=${size} tmpfs ${dir}): ${why}. ` +
        "Run it as root (or with CAP_SYS_ADMIN).",
    );
  }
}

describe("collect onto a full disk", () => {
  let replica: ServedReplica;
  let files: { key: string; symbol: string; sha256: string; size: number }[];
  let mnt: string | undefined;
  beforeAll(async () => {
    // 30 zips of 80–120 KiB: ~3 MiB, more than the 2 MiB file system holds.
    replica = await serveSmallFiles(30, 80, 120);
    files = replica.manifest.files.filter((f) => f.bench === "small");
  });
  afterAll(async () => {
    if (mnt) execFileSync("umount", [mnt], { stdio: "pipe" });
    await replica?.stop();
  });

  it("stops at the first ENOSPC as a failed run, leaves no zip without its .CHECKSUM and record, resumes", async () => {
    const dir = tempDir("lh-full-");
    mountTmpfs(dir, "2m");
    mnt = dir;
    const out = join(dir, "lake");
    const args = [
      "collect",
      "--endpoint",
      replica.endpoint,
      ...selection({
        market: "spot",
        symbols: files.map((f) => f.symbol).join(","),
        dataTypes: "trades",
        start: DAY,
        end: DAY,
      }),
      "--output",
      out,
      "--concurrency",
      "2",
      "--json",
    ];
    // Sized up first from the listing, the selection clearly does not fit: refused, nothing downloaded (exit 3).
    const refused = await lakehouse(args);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(
      /Not enough space in .*: the selection needs [\d.]+ GB \(30 files to download\)/,
    );
    expect(walk(out).filter((p) => p.endsWith(".zip"))).toEqual([]);
    // Without that check (or when the disk fills up during a run), the run stops at the first ENOSPC.
    args.push("--no-space-check");
    const full = await lakehouse(args);
    expect(full.code, full.stderr).toBe(1);
    const s = JSON.parse(full.stdout);
    expect(s.status).toBe("failed");
    expect(s.error.message).toMatch(/device the lakehouse is on is full \(ENOSPC\): the run stopped at /);
    expect(s.error.details.join("\n")).toMatch(
      /\d+ planned files? not stored yet: at the \d+ KiB average of the \d+ this run stored, they need about [\d.]+ (KiB|MiB) more/,
    );
    expect(full.stderr).toMatch(/ENOSPC/);
    // Stopped at the first: no file failed one by one, and not every planned file was tried.
    expect(s.counts.failed).toBe(0);
    expect(s.counts.downloaded).toBeGreaterThan(0);
    expect(s.counts.downloaded).toBeLessThan(files.length);
    // The summary is written if it fits; if not, the run says so (and --json printed it above).
    if (!existsSync(join(out, "_meta", "runs", `${s.runId}.json`))) {
      expect(full.stderr).toMatch(new RegExp(`Run ${s.runId} failed; its record could not be written`));
    }

    // Each zip in bronze is complete, with its .CHECKSUM and its record; nothing temporary anywhere.
    const bySha = new Map(files.map((f) => [f.key.split("/").pop()!, f.sha256]));
    const all = walk(out);
    const zips = all.filter((p) => p.endsWith(".zip") && p.includes("/bronze/"));
    expect(zips).toHaveLength(s.counts.downloaded);
    for (const z of zips) {
      expect(sha256(z)).toBe(bySha.get(z.split("/").pop()!));
      expect(readFileSync(`${z}.CHECKSUM`, "utf8")).toContain(bySha.get(z.split("/").pop()!));
      const rel = z.slice(out.length + 1);
      expect(JSON.parse(readFileSync(join(out, "_meta", "files", `${rel}.json`), "utf8")).sha256).toBe(
        bySha.get(z.split("/").pop()!),
      );
    }
    expect(all.filter((p) => p.endsWith(".CHECKSUM"))).toHaveLength(zips.length);
    expect(all.filter((p) => p.endsWith(".zip.json"))).toHaveLength(zips.length);
    expect(all.filter((p) => p.endsWith(".tmp") || p.endsWith(".part"))).toEqual([]);

    // More room: the next run resumes and completes.
    execFileSync("mount", ["-o", "remount,size=16m", dir], { stdio: "pipe" });
    const again = await lakehouse(args.filter((a) => a !== "--no-space-check"));
    expect(again.code, again.stderr).toBe(0);
    const s2 = JSON.parse(again.stdout);
    expect(s2.counts).toMatchObject({
      downloaded: files.length - s.counts.downloaded,
      skipped: s.counts.downloaded,
    });
    const v = await lakehouse(["verify", "--output", out, "--json"]);
    expect(v.code, v.stdout).toBe(0);
  }, 180_000);
});
