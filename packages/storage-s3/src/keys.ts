// Storage keys are `/`-separated relative paths, the same rules as every backend; mapped under the prefix.
import { checkKeySegments as checkSegments, invalidStorageKey as invalid } from "@crypto-lakehouse/core";

/** S3's limit on a whole object key, prefix included. */
const MAX_KEY_BYTES = 1024;

/** Maps storage keys to object keys under a prefix and back. */
export class KeyMapper {
  /** "" or "prefix/". */
  private readonly root: string;

  constructor(prefix: string) {
    this.root = prefix ? `${prefix}/` : "";
  }

  /** Throws STORAGE_FAILED unless `key` is a safe relative key; returns the object key. */
  objectKey(key: string): string {
    if (typeof key !== "string" || key === "") throw invalid("key", String(key), "it is empty");
    checkSegments("key", key, key.split("/"));
    if (key.endsWith("/")) throw invalid("key", key, "it ends with '/' (a folder, not an object)");
    const full = this.root + key;
    if (Buffer.byteLength(full) > MAX_KEY_BYTES)
      throw invalid("key", key, `it is longer than ${MAX_KEY_BYTES} bytes`);
    return full;
  }

  /** A list prefix with S3 semantics (a plain string prefix, "" = everything), validated like keys. */
  objectPrefix(prefix: string): string {
    if (typeof prefix !== "string") throw invalid("prefix", String(prefix), "it is not a string");
    if (prefix === "") return this.root;
    const segments = prefix.split("/");
    // The last segment is a name prefix: "" (a folder) is fine there, "." or ".." are not.
    const last = segments.pop()!;
    if (last === "." || last === "..") segments.push(last);
    checkSegments("prefix", prefix, segments);
    return this.root + prefix;
  }

  /** The storage key of an object key listed under the root. */
  storageKey(objectKey: string): string {
    return objectKey.slice(this.root.length);
  }
}
