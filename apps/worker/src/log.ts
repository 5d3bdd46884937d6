// Logging for the worker: to stdout, info by default (a long-running service reports what it does).
import type { LogFields, Logger } from "@crypto-lakehouse/core";
import { createPinoLogger, type LogOptions } from "@crypto-lakehouse/log";

export type { LogOptions };

export function createWorkerLogger(o: LogOptions, base: LogFields = {}): Logger {
  return createPinoLogger({ ...o, fd: 1, defaultLevel: "info", quietLevel: "warn", base });
}
