// Test-only helpers: open replica zips with yauzl (central directory + CRC checked), walk the bucket tree.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import yauzl from "yauzl";

export interface ZipContents {
  /** Member names in central-directory order. */
  names: string[];
  /** Compression method of each member (8 = deflate). */
  methods: number[];
  /** Text of the first member (its CRC verified while reading). */
  text: string;
}

/** Opens a zip and reads its first member; rejects on a bad central directory or CRC. */
export async function readZip(path: string): Promise<ZipContents> {
  const buffer = await readFile(path);
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))),
  );
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((ok, fail) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => ok());
    zip.on("error", fail);
    zip.readEntry();
  });
  const first = entries[0];
  let text = "";
  if (first) {
    const stream = await zip.openReadStreamPromise(first);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  zip.close();
  return { names: entries.map((e) => e.fileName), methods: entries.map((e) => e.compressionMethod), text };
}

/** Every file under `root`, as `/`-separated paths relative to it, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p).split(sep).join("/"));
    }
  };
  await walk(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  return out.sort();
}

/** Data lines of a CSV text (the final newline gives no empty row). */
export function csvLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}
