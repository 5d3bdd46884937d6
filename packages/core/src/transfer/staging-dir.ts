// The folder a downloader stages a batch's downloads in: created on demand, and a failure says where and what to
// check (every downloader needs the same, so the message is the same whichever one is configured).
import { mkdir } from "node:fs/promises";
import { LakehouseError } from "../errors.js";

/** Creates `stagingDir` (and its parents); STORAGE_FAILED naming it when that is not possible. */
export async function ensureStagingDir(stagingDir: string): Promise<void> {
  try {
    await mkdir(stagingDir, { recursive: true });
  } catch (e) {
    throw new LakehouseError(
      "STORAGE_FAILED",
      `cannot create the staging directory ${stagingDir}: ${(e as Error).message}`,
      { cause: e, details: ["check that the path is writable and the disk is not full"] },
    );
  }
}
