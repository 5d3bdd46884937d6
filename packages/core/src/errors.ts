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

type Constructor<T> = abstract new (...args: never[]) => T;

/**
 * Marks every LakehouseError, whichever copy of this module made it: a bundled host (the CLI) and a plugin that
 * imports its own `@crypto-lakehouse/core` hold two copies of the class, and the host must still see the plugin's
 * errors as LakehouseErrors (their code decides the exit status).
 */
const BRAND = Symbol.for("@crypto-lakehouse/core.LakehouseError");

export class LakehouseError extends Error {
  /** `instanceof LakehouseError` holds for errors of any copy of the class; subclasses check as usual. */
  static override [Symbol.hasInstance]<T>(this: Constructor<T>, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class checked against, maybe a subclass
    if ((this as unknown) !== LakehouseError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = "LakehouseError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: LakehouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
    Object.defineProperty(this, BRAND, { value: true });
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

const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS"]);
/** The same conditions as tools (s5cmd) print them. */
const DISK_FULL_TEXT: [RegExp, string][] = [
  [/\b(ENOSPC|EDQUOT|EROFS)\b/, ""],
  [/no space left on device/i, "ENOSPC"],
  [/disk quota exceeded/i, "EDQUOT"],
  [/read-only file system/i, "EROFS"],
];

/**
 * `ENOSPC`, `EDQUOT` or `EROFS` when `e`, or an error it wraps (`cause`), says the device written to is full or
 * read-only: a condition that fails every later write too, so a run stops at the first one.
 */
export function diskFullCode(e: unknown): string | undefined {
  let x: unknown = e;
  for (let depth = 0; x && typeof x === "object" && depth < 8; depth++) {
    const o = x as { code?: unknown; info?: { code?: unknown }; message?: unknown; cause?: unknown };
    for (const code of [o.code, o.info?.code])
      if (typeof code === "string" && DISK_FULL_CODES.has(code)) return code;
    if (typeof o.message === "string") {
      for (const [re, code] of DISK_FULL_TEXT) {
        const m = re.exec(o.message);
        if (m) return code || m[1];
      }
    }
    x = o.cause;
  }
  return undefined;
}
