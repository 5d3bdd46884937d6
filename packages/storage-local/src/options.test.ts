// `--output` mapping, option validation and the plugin object.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { isLakehouseError, silentLogger } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";
import { createLocalStorage, localOptionsFromOutput, localStorage } from "./index.js";

describe("fromOutput", () => {
  it("owns plain paths and file:// URLs", () => {
    expect(localOptionsFromOutput("./lake")).toEqual({ root: "./lake" });
    expect(localOptionsFromOutput("/data/lake")).toEqual({ root: "/data/lake" });
    expect(localOptionsFromOutput("C:\\lake")).toEqual({ root: "C:\\lake" });
    expect(localOptionsFromOutput("file:///data/my%20lake")).toEqual({ root: "/data/my lake" });
    expect(localStorage.fromOutput?.("lake")).toEqual({ root: "lake" });
  });

  it("leaves other schemes to their backends", () => {
    for (const o of ["s3://bucket/prefix", "S3://bucket", "https://example.com/x", "gs://b", ""]) {
      expect(localOptionsFromOutput(o), o).toBeUndefined();
    }
  });

  it("rejects a file URL with a host", () => {
    let err: unknown;
    try {
      localOptionsFromOutput("file://server/share/lake");
    } catch (e) {
      err = e;
    }
    expect(isLakehouseError(err, "CONFIG_INVALID")).toBe(true);
  });
});

describe("createLocalStorage", () => {
  it("makes the root absolute and expands ~", () => {
    expect(createLocalStorage({ root: "rel/lake" }).root).toBe(resolve("rel/lake"));
    expect(createLocalStorage({ root: "~/lake" }).location).toBe(join(homedir(), "lake"));
  });

  it("rejects invalid options with CONFIG_INVALID and the offending field", () => {
    for (const bad of [{ root: "" }, { root: 42 }, { root: "/x", bucket: "b" }, {}]) {
      let err: unknown;
      try {
        createLocalStorage(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isLakehouseError(err, "CONFIG_INVALID"), JSON.stringify(bad)).toBe(true);
      expect((err as { details: string[] }).details.join("\n")).toMatch(/^storage/);
    }
  });

  it("is what the plugin creates", async () => {
    expect(localStorage).toMatchObject({ kind: "storage", id: "local" });
    expect(localStorage.optionsSchema?.safeParse({ root: "/x" }).success).toBe(true);
    const backend = await localStorage.create({ root: "/tmp/lakehouse-plugin" }, { logger: silentLogger });
    expect(backend).toMatchObject({ kind: "storage", id: "local", location: "/tmp/lakehouse-plugin" });
  });
});
