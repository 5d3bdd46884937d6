// LakehouseError across two copies of core: a bundled host (the CLI) and a plugin importing its own core must
// agree on what a LakehouseError is, since its code decides how the host reports it (exit 2 for bad input).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isLakehouseError, LakehouseError, toLakehouseError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "lh-errors-copy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A second, separately loaded copy of this module (what a plugin's own `@crypto-lakehouse/core` is). */
async function otherCopy(): Promise<typeof import("./errors.js")> {
  const file = join(dir, "errors-copy.ts");
  copyFileSync(join(import.meta.dirname, "errors.ts"), file);
  return import(file);
}

class Subclass extends LakehouseError {}

describe("LakehouseError", () => {
  it("is recognised when another copy of the module made it, code and details kept", async () => {
    const other = await otherCopy();
    expect(other.LakehouseError).not.toBe(LakehouseError);
    const e = new other.LakehouseError("PERMISSION_DENIED", "cannot write", {
      details: ["try another root"],
    });
    expect(e instanceof LakehouseError).toBe(true);
    expect(isLakehouseError(e, "PERMISSION_DENIED")).toBe(true);
    expect(toLakehouseError(e, "INTERNAL", "wrapped")).toBe(e);
    expect(new LakehouseError("NOT_FOUND", "x") instanceof other.LakehouseError).toBe(true);
  });

  it("is not claimed by plain errors or look-alike objects", () => {
    expect(new Error("x") instanceof LakehouseError).toBe(false);
    expect({ name: "LakehouseError", code: "INTERNAL", message: "x" } instanceof LakehouseError).toBe(false);
    expect(isLakehouseError(undefined)).toBe(false);
    expect(isLakehouseError("LakehouseError")).toBe(false);
  });

  it("keeps subclass checks exact", () => {
    expect(new Subclass("INTERNAL", "x") instanceof Subclass).toBe(true);
    expect(new Subclass("INTERNAL", "x") instanceof LakehouseError).toBe(true);
    expect(new LakehouseError("INTERNAL", "x") instanceof Subclass).toBe(false);
  });
});
