// Key and prefix validation: nothing may name a path outside the root.
import { isLakehouseError } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { isTempName, splitPrefix, validateKey } from "./keys.js";

function code(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    return isLakehouseError(e) ? e.code : `not a LakehouseError: ${String(e)}`;
  }
}

describe("validateKey", () => {
  it("accepts relative keys, including dot files and dots inside names", () => {
    for (const k of [
      "a",
      "bronze/spot/klines/daily/BTCUSDT/1m/BTCUSDT-1m-2025-07-15.zip",
      "_meta/.hidden",
      "a/..b/c..",
      "x.tmp",
    ]) {
      expect(
        code(() => validateKey(k)),
        k,
      ).toBeUndefined();
    }
  });

  it("rejects absolute, parent, dot, empty-segment, backslash and NUL keys with STORAGE_FAILED", () => {
    for (const k of [
      "",
      "/etc/passwd",
      "..",
      "../x",
      "a/../../x",
      "a/..",
      "./a",
      "a/./b",
      "a//b",
      "a/",
      "a\\..\\b",
      "a\0b",
    ]) {
      expect(
        code(() => validateKey(k)),
        JSON.stringify(k),
      ).toBe("STORAGE_FAILED");
    }
  });

  it("rejects names reserved for in-progress writes", () => {
    expect(code(() => validateKey("a/.b.zip.0123456789abcdef.tmp"))).toBe("STORAGE_FAILED");
    expect(isTempName(".b.zip.0123456789abcdef.tmp")).toBe(true);
    expect(isTempName("b.tmp")).toBe(false);
    expect(isTempName(".tmp")).toBe(false);
  });
});

describe("splitPrefix", () => {
  it("splits into the folder to walk and a name prefix", () => {
    expect(splitPrefix("")).toEqual({ dir: "", namePrefix: "" });
    expect(splitPrefix("bronze/")).toEqual({ dir: "bronze", namePrefix: "" });
    expect(splitPrefix("bronze/spot/BTC")).toEqual({ dir: "bronze/spot", namePrefix: "BTC" });
    expect(splitPrefix("bro")).toEqual({ dir: "", namePrefix: "bro" });
  });

  it("rejects prefixes that leave the root", () => {
    for (const p of ["/", "/a", "../", "..", "a/../", "a/..", "a//", "./a", "a\\b"]) {
      expect(
        code(() => splitPrefix(p)),
        p,
      ).toBe("STORAGE_FAILED");
    }
  });
});
