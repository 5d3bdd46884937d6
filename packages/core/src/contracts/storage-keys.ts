// The key rules every storage backend enforces: `/`-separated relative paths that cannot escape the store.
import { LakehouseError } from "../errors.js";

export function invalidStorageKey(what: "key" | "prefix", value: string, why: string): LakehouseError {
  return new LakehouseError("STORAGE_FAILED", `Invalid storage ${what} ${JSON.stringify(value)}: ${why}`, {
    details: [
      "Keys are relative paths like bronze/spot/…/file.zip: no leading '/', no '.', '..' or empty segments.",
    ],
  });
}

/** Throws STORAGE_FAILED for absolute values, backslashes, NUL bytes, and empty, `.` or `..` segments. */
export function checkKeySegments(what: "key" | "prefix", value: string, segments: readonly string[]): void {
  if (value.startsWith("/")) throw invalidStorageKey(what, value, "it is absolute");
  if (value.includes("\\")) throw invalidStorageKey(what, value, "it contains a backslash");
  if (value.includes("\0")) throw invalidStorageKey(what, value, "it contains a NUL byte");
  for (const s of segments) {
    if (s === "") throw invalidStorageKey(what, value, "it has an empty segment");
    if (s === "." || s === "..") throw invalidStorageKey(what, value, `it has a '${s}' segment`);
  }
}
