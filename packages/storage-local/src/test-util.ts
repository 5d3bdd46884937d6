// Test helpers: scratch folders and a root that really cannot be written, even when the tests run as root.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function scratch(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "lakehouse-storage-local-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A path where creating the output folder fails with EACCES/EPERM/EROFS. As root, chmod stops nothing, so
 * it uses sysfs (mkdir there is EPERM for root, or EROFS in containers); otherwise a 0o500 folder.
 */
export async function unwritableRoot(base: string): Promise<string> {
  const name = `lakehouse-unwritable-${randomBytes(4).toString("hex")}`;
  if (process.getuid?.() === 0) {
    if (process.platform !== "linux")
      throw new Error("running as root needs Linux sysfs (/sys) for this test");
    return join("/sys", name);
  }
  const locked = join(base, "locked");
  await mkdir(locked, { recursive: true });
  await chmod(locked, 0o500);
  return join(locked, name);
}
