// Storage keys are `/`-separated relative paths; these checks keep every key inside the root.
import { checkKeySegments as checkSegments, invalidStorageKey as invalid } from "@crypto-lakehouse/core";

/** Leftovers of an unfinished put (`.<basename>.<random>.tmp`) and write probes share this shape. */
export function isTempName(name: string): boolean {
  return name.length > 5 && name.startsWith(".") && name.endsWith(".tmp");
}

/** The writer a temp name records (`.<base>.<pid>-<unique>@<host>.tmp`); undefined for older names and probes. */
export function tempWriter(name: string): { host: string; pid: number } | undefined {
  const m = /\.(\d{1,10})-[0-9a-f]+@([A-Za-z0-9._]+)\.tmp$/.exec(name);
  if (!m || !isTempName(name)) return undefined;
  const pid = Number(m[1]);
  return pid > 0 && pid <= 0x7fffffff ? { host: m[2]!, pid } : undefined;
}

/** Throws STORAGE_FAILED unless `key` names an object safely inside the root. */
export function validateKey(key: string): void {
  if (typeof key !== "string" || key === "") throw invalid("key", String(key), "it is empty");
  const segments = key.split("/");
  checkSegments("key", key, segments);
  // A key shaped like a temp file would be invisible to list() and removed by cleanupTemp().
  if (isTempName(segments[segments.length - 1]!)) {
    throw invalid("key", key, "names shaped like '.<name>.tmp' are reserved for in-progress writes");
  }
}

/**
 * Validates a list prefix (S3 semantics: a plain string prefix, `""` = everything) and splits it into the
 * folder to walk and the start of the names wanted in that folder.
 */
export function splitPrefix(prefix: string): { dir: string; namePrefix: string } {
  if (typeof prefix !== "string") throw invalid("prefix", String(prefix), "it is not a string");
  if (prefix === "") return { dir: "", namePrefix: "" };
  const slash = prefix.lastIndexOf("/");
  const dir = slash < 0 ? "" : prefix.slice(0, slash);
  const namePrefix = prefix.slice(slash + 1);
  const segments = dir === "" ? [] : dir.split("/");
  if (namePrefix === "." || namePrefix === "..") segments.push(namePrefix);
  checkSegments("prefix", prefix, segments);
  return { dir, namePrefix };
}
