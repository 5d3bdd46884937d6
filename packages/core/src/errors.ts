// The one error type of the project: a code for programs, a message for people, and whether a retry may help.
export type ErrorCode =
  | "CONFIG_INVALID"
  | "UNSUPPORTED"
  | "NOT_FOUND"
  | "CHECKSUM_MISMATCH"
  | "DOWNLOAD_FAILED"
  | "NETWORK"
  | "STORAGE_FAILED"
  | "PERMISSION_DENIED"
  | "TOOL_MISSING"
  | "PLUGIN_INVALID"
  | "CANCELLED"
  /** The local disk clearly cannot hold what a run would download (the CLI exits 3). */
  | "NO_SPACE"
  | "INTERNAL";

/** Codes that mean "the user asked for something we cannot do" — the CLI exits 2 for these. */
export const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set([
  "CONFIG_INVALID",
  "UNSUPPORTED",
  "PERMISSION_DENIED",
  "TOOL_MISSING",
  "PLUGIN_INVALID",
]);

export interface LakehouseErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Extra lines shown under the message (e.g. every config problem, install hints). */
  details?: readonly string[];
}

export class LakehouseError extends Error {
  override readonly name = "LakehouseError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: LakehouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }

  /** Message plus details, as printed to a person. */
  describe(): string {
    return [this.message, ...this.details.map((d) => `  - ${d}`)].join("\n");
  }
}

export function isLakehouseError(e: unknown, code?: ErrorCode): e is LakehouseError {
  return e instanceof LakehouseError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a LakehouseError, keeping one that already is. */
export function toLakehouseError(e: unknown, code: ErrorCode, context: string): LakehouseError {
  if (e instanceof LakehouseError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new LakehouseError(code, `${context}: ${msg}`, { cause: e });
}
