// Maps Node file-system errors to LakehouseErrors that say what failed, where, and what to do.
import { LakehouseError } from "@crypto-lakehouse/core";

export function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

export const PERMISSION_CODES: ReadonlySet<string> = new Set(["EACCES", "EPERM", "EROFS"]);
/** Transient conditions where the same operation may succeed later. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "EMFILE",
  "ENFILE",
  "EBUSY",
  "EAGAIN",
  "EINTR",
  "ETIMEDOUT",
]);

/** `action` reads like "writing", "reading", "listing", `path` is the absolute path involved. */
export function fsError(e: unknown, action: string, path: string): LakehouseError {
  if (e instanceof LakehouseError) return e;
  const code = errnoCode(e);
  const reason = e instanceof Error ? e.message : String(e);
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new LakehouseError("PERMISSION_DENIED", `Permission denied ${action} ${path} (${code})`, {
      cause: e,
      details: ["Check the owner and mode of the directory (or whether it is on a read-only mount)."],
    });
  }
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new LakehouseError("STORAGE_FAILED", `No space left on the device ${action} ${path} (${code})`, {
      cause: e,
      details: ["Free some space or choose another output directory."],
    });
  }
  return new LakehouseError("STORAGE_FAILED", `Failed ${action} ${path}: ${reason}`, {
    cause: e,
    retryable: code !== undefined && RETRYABLE_CODES.has(code),
  });
}
