// A storage plugin: a factory returning a small object. This one keeps the lakehouse in one folder on disk,
// with atomic puts (temp name + rename) — enough to pass the storage contract suite.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import {
  LakehouseError,
  type StorageBackend,
  type StoragePlugin,
  type StoredObject,
} from "@crypto-lakehouse/core";
import { z } from "zod";

const Options = z.object({ root: z.string().min(1) }).strict();
type Options = z.infer<typeof Options>;

function safe(key: string): string {
  if (!key || key.startsWith("/") || key.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new LakehouseError("STORAGE_FAILED", `example-dir: invalid key '${key}'`);
  }
  return key;
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.endsWith(".partial")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

export function createExampleDirStorage(o: Options): StorageBackend {
  const path = (key: string) => join(o.root, safe(key));
  const info = async (key: string): Promise<StoredObject | undefined> => {
    const p = path(key);
    try {
      const s = await stat(p);
      return { key, size: s.size, lastModified: s.mtime };
    } catch {
      return undefined;
    }
  };
  return {
    kind: "storage",
    id: "example-dir",
    location: o.root,
    async checkWritable() {
      try {
        await mkdir(o.root, { recursive: true });
        await writeFile(join(o.root, ".probe"), "");
        await rm(join(o.root, ".probe"));
      } catch (e) {
        throw new LakehouseError(
          "PERMISSION_DENIED",
          `Permission denied writing to output directory: ${o.root}`,
          { cause: e },
        );
      }
    },
    head: info,
    async put(key, source) {
      const final = path(key);
      const temp = `${final}.${randomUUID()}.partial`;
      await mkdir(dirname(final), { recursive: true });
      if ("path" in source) await copyFile(source.path, temp);
      else await writeFile(temp, source.data);
      await rename(temp, final);
      return (await info(key))!;
    },
    async get(key) {
      if (!(await info(key))) throw new LakehouseError("NOT_FOUND", `example-dir: no object '${key}'`);
      return createReadStream(path(key));
    },
    async read(key) {
      const p = path(key);
      return readFile(p).catch(() => undefined);
    },
    async *list(prefix) {
      if (prefix.startsWith("/") || prefix.split("/").some((s) => s === "." || s === "..")) {
        throw new LakehouseError("STORAGE_FAILED", `example-dir: invalid prefix '${prefix}'`);
      }
      // S3 semantics: a plain string prefix, keys in byte order.
      const keys: string[] = [];
      for await (const p of walk(o.root)) {
        const key = relative(o.root, p);
        if (key.startsWith(prefix)) keys.push(key);
      }
      keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const key of keys) yield (await info(key))!;
    },
    async delete(key) {
      const p = path(key);
      await rm(p, { force: true });
    },
    localPath: (key) => path(key),
  };
}

export const exampleDirStorage: StoragePlugin<Options> = {
  kind: "storage",
  id: "example-dir",
  description: "Example: the lakehouse in one local folder",
  optionsSchema: Options,
  // Queued jobs take the options to workers running elsewhere: a relative root travels absolute, so every
  // worker writes to the same folder as the submitter meant.
  portable: (options) => ({ ...options, root: resolve(options.root) }),
  create: (options) => createExampleDirStorage(options),
};
