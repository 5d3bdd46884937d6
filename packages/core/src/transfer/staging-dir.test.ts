// A staging folder that cannot be created is a STORAGE_FAILED error naming it, for every downloader alike.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isLakehouseError } from "../errors.js";
import { ensureStagingDir } from "./staging-dir.js";

describe("ensureStagingDir", () => {
  it("creates the folder and its parents", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "staging-")), "a", "b");
    await ensureStagingDir(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it("under a file: STORAGE_FAILED naming the folder and what to check", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "staging-")), "not-a-folder");
    writeFileSync(file, "x");
    const error = await ensureStagingDir(join(file, "staging")).catch((e: unknown) => e);
    expect(isLakehouseError(error, "STORAGE_FAILED")).toBe(true);
    expect((error as Error).message).toContain(join(file, "staging"));
    expect((error as { details: string[] }).details.join(" ")).toContain("writable");
  });
});
