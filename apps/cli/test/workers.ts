// Starts built `lakehouse-worker` processes for the queue tests and reads their JSON log lines as they come.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";

export const WORKER_BIN = join(import.meta.dirname, "..", "..", "worker", "dist", "bin.js");

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface WorkerProc {
  proc: ResultPromise;
  lines: LogLine[];
  /** Resolves with the first log line matching, waiting for it if needed. */
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The metrics URL, once the worker logged it (with --metrics-port). */
  metricsUrl(): Promise<string>;
}

export function startWorker(args: string[], env: Record<string, string> = {}, cwd?: string): WorkerProc {
  if (!existsSync(WORKER_BIN))
    throw new Error(`${WORKER_BIN} is missing: run \`pnpm build\` before the queue tests`);
  const proc = execa(process.execPath, [WORKER_BIN, "--log-format", "json", ...args], {
    reject: false,
    ...(cwd ? { cwd } : {}),
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
  });
  const lines: LogLine[] = [];
  const waiters: (() => void)[] = [];
  let buf = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ level: 0, msg: line });
      }
      i = buf.indexOf("\n");
    }
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (Date.now() > end || proc.exitCode !== null) {
        throw new Error(
          `worker log never matched; last lines:\n${lines
            .slice(-10)
            .map((l) => JSON.stringify(l))
            .join("\n")}`,
        );
      }
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return {
    proc,
    lines,
    waitFor,
    metricsUrl: async () => String((await waitFor((l) => l.msg === "metrics endpoint listening")).url),
  };
}

/** Sum of a counter over its label sets, from Prometheus text. */
export function metricSum(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}${labels}`) && (line[name.length] === " " || line[name.length] === "{")) {
      sum += Number(line.split(" ").pop());
    }
  }
  return sum;
}
