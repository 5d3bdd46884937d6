// pino behind the core `Logger` interface, shared by the CLI (stderr) and the worker (stdout).
import type { LogFields, Logger } from "@crypto-lakehouse/core";
import { pino } from "pino";
import pretty from "pino-pretty";

export interface LogOptions {
  verbose?: boolean;
  quiet?: boolean;
  logFormat?: "json" | "pretty";
}

export interface PinoLoggerOptions extends LogOptions {
  /** 1 = stdout, 2 = stderr. */
  fd: 1 | 2;
  /** Level when neither --verbose, --quiet nor LOG_LEVEL says otherwise. */
  defaultLevel: string;
  /** Level for --quiet. */
  quietLevel?: string;
  base?: LogFields;
}

/** --verbose beats --quiet beats LOG_LEVEL beats the app's default. */
export function logLevel(o: PinoLoggerOptions): string {
  if (o.verbose) return "debug";
  if (o.quiet) return o.quietLevel ?? "error";
  return process.env.LOG_LEVEL ?? o.defaultLevel;
}

/** JSON lines when the stream is not a TTY (or with logFormat json); pretty otherwise. */
export function createPinoLogger(o: PinoLoggerOptions): Logger {
  const tty = o.fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const json = o.logFormat === "json" || (o.logFormat !== "pretty" && !tty);
  const level = logLevel(o);
  const base = o.base ?? {};
  const p = json
    ? pino(
        { level, base, timestamp: pino.stdTimeFunctions.isoTime },
        pino.destination({ fd: o.fd, sync: true }),
      )
    : pino(
        { level, base },
        pretty({ destination: o.fd, colorize: true, ignore: "pid,hostname", sync: true }),
      );
  return adapt(p);
}

function adapt(p: pino.Logger): Logger {
  return {
    debug: (msg: string, f?: LogFields) => p.debug(f ?? {}, msg),
    info: (msg: string, f?: LogFields) => p.info(f ?? {}, msg),
    warn: (msg: string, f?: LogFields) => p.warn(f ?? {}, msg),
    error: (msg: string, f?: LogFields) => p.error(f ?? {}, msg),
    child: (f: LogFields) => adapt(p.child(f)),
  };
}
