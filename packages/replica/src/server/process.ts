// Runs a service binary as a child process: output capture, readiness wait, reliable stop, no orphans.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { LakehouseError } from "@crypto-lakehouse/core";
import { freePort } from "./ports.js";

const OUTPUT_LIMIT = 64 * 1024;

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ServiceExit>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** The last 64 KiB of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<LiveService>();
let hooksInstalled = false;

interface LiveService {
  child: ChildProcess;
  watchdog: ChildProcess | undefined;
}

function killNow(s: LiveService): void {
  for (const p of [s.child, s.watchdog]) {
    if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

// When the test process ends (normally or by a signal) nothing it started may outlive it.
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const s of live) killNow(s);
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      for (const s of live) killNow(s);
      // Keep the default "die by this signal" unless someone else handles it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

// A tiny shell that kills the service when our stdin pipe closes: covers the test process dying by SIGKILL,
// where no exit hook runs. It polls instead of sleeping blindly so it never signals a recycled pid for long.
const WATCHDOG_SCRIPT = [
  "read _ignored",
  'kill -TERM "$1" 2>/dev/null || exit 0',
  "i=0",
  'while [ "$i" -lt 25 ]; do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.2; i=$((i+1)); done',
  'kill -KILL "$1" 2>/dev/null',
].join("\n");

/** Internal (exported for its test): a watchdog that kills `pid` once its stdin pipe closes. */
export function startWatchdog(pid: number): ChildProcess | undefined {
  try {
    const dog = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, "watchdog", String(pid)], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    dog.on("error", () => {}); // no /bin/sh: the exit hooks still cover normal exits
    dog.stdin?.on("error", () => {});
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return dog;
  } catch {
    return undefined;
  }
}

export interface SpawnServiceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts `command args` with captured output; the caller waits for readiness with `waitUntilReady`. */
export function spawnService(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnServiceOptions = {},
): ServiceProcess {
  installExitHooks();
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  let buffer = "";
  const capture = (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    if (buffer.length > OUTPUT_LIMIT) buffer = buffer.slice(buffer.length - OUTPUT_LIMIT);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  // A forgotten service must not keep the test process alive; the exit hooks kill it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();

  const entry: LiveService = { child, watchdog: undefined };
  let done = false;
  const exited = new Promise<ServiceExit>((resolve) => {
    // "close" rather than "exit": it comes after the output pipes are drained, so the last error line is kept.
    child.once("close", (code, signal) => {
      done = true;
      live.delete(entry);
      if (entry.watchdog) killNow({ child: entry.watchdog, watchdog: undefined });
      resolve({ code, signal });
    });
    child.once("error", (err) => {
      capture(Buffer.from(`\n[spawn ${command}] ${err.message}\n`));
      done = true;
      live.delete(entry);
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid !== undefined) {
    entry.watchdog = startWatchdog(child.pid);
    live.add(entry);
  } else {
    done = true; // spawn failed (e.g. ENOENT); the "error" event with the reason follows and resolves `exited`
  }

  return {
    name,
    pid: child.pid ?? -1,
    exited,
    hasExited: () => done,
    output: () => buffer,
    async stop(graceMs = 5000) {
      if (done) return;
      child.kill("SIGTERM");
      const timer = sleep(graceMs, "timeout" as const);
      if ((await Promise.race([exited, timer])) === "timeout") {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

export interface WaitOptions {
  /** Give up after this long (default 20 s: versitygw starts in well under a second here). */
  timeoutMs?: number;
  intervalMs?: number;
}

/** The last lines of a service's output, indented, for LakehouseError details. */
export function outputTail(svc: ServiceProcess, lines = 20): string[] {
  const all = svc.output().trimEnd().split("\n");
  return all.slice(-lines).map((l) => `${svc.name}: ${l}`);
}

/** The last lines of output on one line, for the message itself (runners often show only the message). */
function lastLines(svc: ServiceProcess, n: number): string {
  const text = svc.output().trim();
  return text ? text.split("\n").slice(-n).join(" | ") : "(no output)";
}

/**
 * Polls `isReady` until it returns true. Fails fast with the service's output when the process exits first,
 * and stops the process on timeout so nothing half-started lingers.
 */
export async function waitUntilReady(
  svc: ServiceProcess,
  isReady: () => Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (svc.hasExited()) {
      const { code, signal } = await svc.exited;
      throw new LakehouseError(
        "INTERNAL",
        `${svc.name} exited during startup (${signal ?? `exit code ${code}`}): ${lastLines(svc, 5)}`,
        { details: outputTail(svc), retryable: true },
      );
    }
    try {
      if (await isReady()) return;
    } catch {
      // not answering yet
    }
    await sleep(intervalMs);
  }
  await svc.stop(1000);
  throw new LakehouseError(
    "INTERNAL",
    `${svc.name} did not become ready within ${timeoutMs} ms: ${lastLines(svc, 5)}`,
    {
      details: outputTail(svc),
      retryable: true,
    },
  );
}

/** True when a startup error says the listen address was taken (the free-port race lost): start elsewhere. */
export function isPortTaken(e: unknown): boolean {
  return e instanceof LakehouseError && /address already in use|EADDRINUSE/i.test(e.describe());
}

/**
 * Starts a service on a free port (or the fixed one given), trying a new port when another process grabbed the
 * chosen one between probing and binding.
 */
export async function startOnFreePort<T>(
  fixedPort: number | undefined,
  start: (port: number) => Promise<T>,
): Promise<{ port: number; value: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      return { port, value: await start(port) };
    } catch (e) {
      if (fixedPort !== undefined || attempt >= 3 || !isPortTaken(e)) throw e;
    }
  }
}
