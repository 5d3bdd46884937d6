// An in-memory StorageBackend for pipeline tests: objects in a Map the test can inspect and damage directly.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { StorageBackend, StoredObject } from "@crypto-lakehouse/core";
import { LakehouseError } from "@crypto-lakehouse/core";

export type MemoryStorage = StorageBackend & { objects: Map<string, Buffer> };

export function memoryStorage(): MemoryStorage {
  const objects = new Map<string, Buffer>();
  const info = (key: string): StoredObject | undefined => {
    const b = objects.get(key);
    return b ? { key, size: b.length } : undefined;
  };
  return {
    kind: "storage",
    id: "memory",
    location: "memory://",
    objects,
    async checkWritable() {},
    head: async (k) => info(k),
    async put(key, source) {
      objects.set(key, "path" in source ? readFileSync(source.path) : Buffer.from(source.data));
      return info(key)!;
    },
    async get(key) {
      const b = objects.get(key);
      if (!b) throw new LakehouseError("NOT_FOUND", key);
      return Readable.from([b]);
    },
    read: async (k) => objects.get(k),
    async *list(prefix) {
      for (const k of [...objects.keys()].sort()) if (k.startsWith(prefix)) yield info(k)!;
    },
    async delete(k) {
      objects.delete(k);
    },
  };
}
