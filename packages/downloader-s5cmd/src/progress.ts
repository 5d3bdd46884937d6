// Live byte counts for one s5cmd run: the growth of s5cmd's temp files (polled), then the rest of each file when
// it completes. The same polling tells the no-progress timeout that bytes are still arriving.
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";

export interface RunProgress {
  /** Measures the work dir; true when some file grew (or appeared) since the last poll. */
  poll(): Promise<boolean>;
  /** A file finished as `dest` with `size` bytes: reports what its temp files had not. */
  completed(dest: string, size: number): void;
}

/**
 * `ignore` names the files that are not s5cmd temp files (the command file, finished destinations). s5cmd writes
 * `<dest name><random>` beside each destination, so a temp file belongs to the destination its name starts with.
 */
export function createProgress(
  workDir: string,
  ignore: ReadonlySet<string>,
  onBytes: ((n: number) => void) | undefined,
): RunProgress {
  const seen = new Map<string, number>();
  const report = (n: number) => {
    if (n > 0) onBytes?.(n);
  };
  return {
    async poll() {
      let moved = false;
      for (const name of await readdir(workDir).catch(() => [] as string[])) {
        if (ignore.has(name)) continue;
        const size = await stat(join(workDir, name)).then(
          (s) => s.size,
          () => undefined,
        );
        if (size === undefined) continue;
        const before = seen.get(name);
        if (before === undefined || size > before) {
          moved = true;
          report(size - (before ?? 0));
          seen.set(name, size);
        }
      }
      return moved;
    },
    completed(dest, size) {
      const prefix = basename(dest);
      let reported = 0;
      for (const [name, bytes] of seen) {
        if (name.startsWith(prefix)) {
          reported += bytes;
          seen.delete(name);
        }
      }
      report(size - reported);
    },
  };
}
