// pino behind the core `Logger` interface, shared by the CLI (stderr) and the worker (stdout).
import {
  LakehouseError,
  type LogFields,
  type Logger,
  redactSecrets,
  redactUrlsIn,
} from "@crypto-lakehouse/core";
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

/** The levels LOG_LEVEL may name (pino's), and spellings other tools use for them. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const LEVEL_ALIASES: Readonly<Record<string, string>> = { warning: "warn", critical: "fatal", off: "silent" };

/** --verbose beats --quiet beats LOG_LEVEL beats the app's default. */
export function logLevel(o: PinoLoggerOptions): string {
  if (o.verbose) return "debug";
  if (o.quiet) return o.quietLevel ?? "error";
  const env = process.env.LOG_LEVEL?.trim();
  if (!env) return o.defaultLevel;
  const level = LEVEL_ALIASES[env.toLowerCase()] ?? env.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `LOG_LEVEL: '${env}' is not a log level (allowed: ${LOG_LEVELS.join(", ")})`,
    );
  }
  return level;
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
  return adapt(p, base);
}

/**
 * `fields` without those the logger already carries with the same value: pino would print such a key twice
 * (a run-bound logger handed to a plugin that binds the run id again, for callers that did not).
 */
function unbound(bound: LogFields, fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  let out: LogFields | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (Object.hasOwn(bound, k) && Object.is(bound[k], v)) {
      out ??= { ...fields };
      delete out[k];
    }
  }
  return out ?? fields;
}

/** The last line of defence: a URL's `user:password@` or `?token=` never reaches a log line. */
const clean = (bound: LogFields, f: LogFields | undefined) => redactSecrets(unbound(bound, f));

function adapt(p: pino.Logger, bound: LogFields): Logger {
  return {
    debug: (msg: string, f?: LogFields) => p.debug(clean(bound, f), redactUrlsIn(msg)),
    info: (msg: string, f?: LogFields) => p.info(clean(bound, f), redactUrlsIn(msg)),
    warn: (msg: string, f?: LogFields) => p.warn(clean(bound, f), redactUrlsIn(msg)),
    error: (msg: string, f?: LogFields) => p.error(clean(bound, f), redactUrlsIn(msg)),
    child: (f: LogFields) => {
      const own = clean(bound, f);
      return adapt(p.child(own), { ...bound, ...own });
    },
  };
}
