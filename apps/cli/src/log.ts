// Logging for the CLI: to stderr (stdout is for data and JSON summaries); warnings and errors by default.
import type { Logger } from "@crypto-lakehouse/core";
import { createPinoLogger, type LogOptions } from "@crypto-lakehouse/log";

export type { LogOptions };

export function createCliLogger(o: LogOptions): Logger {
  return createPinoLogger({ ...o, fd: 2, defaultLevel: "warn" });
}
