// Logging for the CLI: to stderr (stdout is for data and JSON summaries); warnings and errors by default.
// pino loads with the first logger a command asks for.
import type { Logger } from "@crypto-lakehouse/core";
import type { LogOptions } from "@crypto-lakehouse/log";

export type { LogOptions };

export async function createCliLogger(o: LogOptions): Promise<Logger> {
  const { createPinoLogger } = await import("@crypto-lakehouse/log");
  return createPinoLogger({ ...o, fd: 2, defaultLevel: "warn" });
}
