// The syncs behind group commit: `syncfs(2)` of each file system a group wrote to (Linux), through one small helper
// shell started once, or, where that is not available, an fsync of every file and folder of the group.
//
// Why a helper: node has no syncfs binding, and starting a process from node costs ~1 ms of CPU at start-up but
// ~10 ms once the process holds a few hundred MB (fork copies its page tables) — a fifth of collect's CPU in a
// profile. The helper, a `/bin/sh` of a few hundred KB, starts coreutils' `sync -f` for each request instead.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { errnoCode } from "./fs-errors.js";
import type { Syncer, SyncWork } from "./group-commit.js";

/** Errors of fsync on a folder that mean "not supported here"; the data itself is synced. */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM", "EBADF", "ENOTSUP"]);

async function fsyncOne(path: string, isDir: boolean): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (e) {
    const code = errnoCode(e) ?? "";
    // Gone already (a failed put removed its temp; a folder was removed): nothing of it left to sync.
    if (code === "ENOENT" || (isDir && DIR_SYNC_UNSUPPORTED.has(code))) return;
    throw e;
  } finally {
    await handle?.close();
  }
}

/** The portable sync: fsync every file and folder of the group, 16 at a time. */
export async function fsyncEach(work: SyncWork): Promise<void> {
  const items = [
    ...[...work.files].map((p) => [p, false] as const),
    ...[...work.dirs].map((p) => [p, true] as const),
  ];
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const [path, isDir] = items[i++]!;
      await fsyncOne(path, isDir);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, items.length) }, worker));
}

/**
 * Reads a path per line, runs `sync -f` on it, answers `0` or `<status> <error message>` on one line. It ends
 * when its input does (this process closed it, or exited).
 */
const HELPER = `while IFS= read -r p; do
  if out=$(sync -f -- "$p" 2>&1); then echo 0; else printf '%s %s\\n' "$?" "$(printf %s "$out" | tr '\\n' ' ')"; fi
done`;

/** `sync: not found` from the shell: no coreutils sync here. */
const NOT_FOUND = 127;

class SyncHelper {
  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private exited: Promise<void> | undefined;
  private buffered = "";
  private readonly answers: ((line: string | Error) => void)[] = [];

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    const child = spawn("/bin/sh", ["-c", HELPER], { stdio: ["pipe", "pipe", "ignore"] });
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    const fail = (e: Error) => {
      if (this.child === child) this.child = undefined;
      for (const answer of this.answers.splice(0)) answer(e);
    };
    child.once("error", fail);
    child.once("close", (code) => fail(new Error(`the sync helper exited (${code})`)));
    child.stdin.on("error", () => undefined); // a dead helper surfaces through "close"
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.buffered += chunk;
      let nl = this.buffered.indexOf("\n");
      while (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.answers.shift()?.(line);
        nl = this.buffered.indexOf("\n");
      }
      if (this.answers.length === 0) this.hold(child, false);
    });
    this.hold(child, false);
    this.child = child;
    return child;
  }

  /** While a request waits, the helper keeps the process alive; idle, it must not (it ends with its input). */
  private hold(child: ChildProcessByStdio<Writable, Readable, null>, on: boolean): void {
    const method = on ? "ref" : "unref";
    child[method]();
    (child.stdout as Readable & { ref?(): void; unref?(): void })[method]?.();
    (child.stdin as Writable & { ref?(): void; unref?(): void })[method]?.();
  }

  /** Answers `0`, or `<status> <message>`; rejects when the helper cannot run. */
  request(path: string): Promise<string> {
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.answers.push((line) => (line instanceof Error ? reject(line) : resolve(line)));
      if (this.answers.length === 1) this.hold(child, true);
      child.stdin.write(`${path}\n`);
    });
  }

  /** Ends the helper and waits for it, so its CPU time is accounted to this process. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.hold(child, true);
    child.stdin.end();
    await this.exited;
  }
}

/** syncfs of one folder's file system through the helper; false when there is no `sync -f` to use. */
async function syncFileSystem(helper: SyncHelper, dir: string): Promise<boolean> {
  const answer = await helper.request(dir);
  if (answer === "0") return true;
  const space = answer.indexOf(" ");
  const status = Number(answer.slice(0, space));
  if (status === NOT_FOUND) return false;
  throw new Error(`sync -f ${dir}: ${answer.slice(space + 1).trim() || `exit status ${status}`}`);
}

/**
 * The fast sync on Linux: `syncfs(2)` (coreutils' `sync -f`) of each file system the group wrote to, reporting
 * write-back errors (Linux ≥ 5.8); one call for the whole group. Elsewhere, or without `sync`, fsyncEach.
 */
export function createSyncer(): Syncer {
  let portable = process.platform !== "linux";
  const helper = new SyncHelper();
  /** Folder → device, so each file system is synced once (a symlinked folder may live on another). */
  const devices = new Map<string, number>();
  const byDevice = async (dirs: Iterable<string>) => {
    const out = new Map<number, string>();
    for (const dir of dirs) {
      let dev = devices.get(dir);
      if (dev === undefined) {
        const st = await stat(dir).catch((e) => {
          if (errnoCode(e) === "ENOENT") return undefined;
          throw e;
        });
        if (!st) continue;
        dev = st.dev;
        devices.set(dir, dev);
      }
      if (!out.has(dev)) out.set(dev, dir);
    }
    return [...out.values()];
  };
  const sync = async (work: SyncWork) => {
    const dirs = portable ? [] : await byDevice(work.dirs);
    // A newline cannot go through the helper's line protocol.
    if (portable || dirs.length === 0 || dirs.some((d) => d.includes("\n"))) return fsyncEach(work);
    try {
      for (const dir of dirs) {
        if (!(await syncFileSystem(helper, dir))) {
          portable = true;
          return fsyncEach(work);
        }
      }
    } catch (e) {
      // No shell to run it (a minimal container): fsync each file from now on.
      if (errnoCode(e) !== "ENOENT") throw e;
      portable = true;
      await fsyncEach(work);
    }
  };
  return { sync, close: () => helper.close() };
}
