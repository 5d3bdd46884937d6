// Logging for the CLI: pino to stderr — pretty on a TTY, JSON lines otherwise or with --log-format json.
import type { LogFields, Logger } from "@crypto-lakehouse/core";
import { pino } from "pino";
import pretty from "pino-pretty";

export interface LogOptions {
  verbose?: boolean;
  quiet?: boolean;
  logFormat?: "json" | "pretty";
}

export function logLevel(o: LogOptions): string {
  if (o.verbose) return "debug";
  if (o.quiet) return "error";
  return process.env.LOG_LEVEL ?? "warn";
}

export function createCliLogger(o: LogOptions): Logger {
  const json = o.logFormat === "json" || (o.logFormat !== "pretty" && !process.stderr.isTTY);
  const level = logLevel(o);
  const base = json
    ? pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2))
    : pino(
        { level, base: undefined },
        pretty({ destination: 2, colorize: true, ignore: "pid,hostname", sync: true }),
      );
  return adapt(base);
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
