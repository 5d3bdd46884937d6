// findTool: env override, tools cache, PATH, and a loud TOOL_MISSING naming the install command.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLakehouseError } from "@crypto-lakehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTool, SETUP_COMMAND, type ToolName, toolsBinDir } from "./tools.js";

let dir: string;
const missingFrom = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected findTool to throw");
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-tools-"));
  await mkdir(join(dir, "cache", "bin"), { recursive: true });
  await mkdir(join(dir, "path"), { recursive: true });
  for (const [where, name] of [
    ["cache/bin", "s5cmd"],
    ["path", "s5cmd"],
    ["path", "redis-server"],
  ]) {
    await writeFile(join(dir, where!, name!), "#!/bin/sh\n");
    await chmod(join(dir, where!, name!), 0o755);
  }
  await writeFile(join(dir, "not-executable"), "");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("findTool", () => {
  it("finds every installed tool (run bash scripts/setup-services.sh if this fails)", () => {
    for (const name of ["versitygw", "s5cmd", "toxiproxy-server", "redis-server"] as ToolName[]) {
      expect(findTool(name)).toMatch(new RegExp(`/${name}$`));
    }
  });

  it("prefers the env override, then the tools cache, then PATH", () => {
    const env = { CRYPTO_LAKEHOUSE_TOOLS: join(dir, "cache"), PATH: join(dir, "path") };
    expect(toolsBinDir(env)).toBe(join(dir, "cache", "bin"));
    expect(findTool("s5cmd", { env })).toBe(join(dir, "cache", "bin", "s5cmd"));
    expect(findTool("redis-server", { env })).toBe(join(dir, "path", "redis-server"));
    const override = join(dir, "path", "s5cmd");
    expect(findTool("s5cmd", { env: { ...env, S5CMD_PATH: override } })).toBe(override);
  });

  it("throws TOOL_MISSING with the install command when the override points nowhere and PATH is empty", () => {
    const env = { VERSITYGW_PATH: join(dir, "nowhere", "versitygw"), CRYPTO_LAKEHOUSE_TOOLS: dir, PATH: "" };
    const err = missingFrom(() => findTool("versitygw", { env }));
    expect(isLakehouseError(err, "TOOL_MISSING")).toBe(true);
    expect((err as Error).message).toContain("versitygw not found");
    expect((err as Error).message).toContain("VERSITYGW_PATH");
    expect((err as Error).message).toContain(`run: ${SETUP_COMMAND}`);
  });

  it("rejects an override that is not executable instead of falling back", () => {
    const env = { TOXIPROXY_PATH: join(dir, "not-executable"), PATH: join(dir, "path") };
    const err = missingFrom(() => findTool("toxiproxy-server", { env }));
    expect(isLakehouseError(err, "TOOL_MISSING")).toBe(true);
  });

  it("throws TOOL_MISSING naming where it looked when neither cache nor PATH has the tool", () => {
    const env = { CRYPTO_LAKEHOUSE_TOOLS: join(dir, "empty"), PATH: "" };
    const err = missingFrom(() => findTool("toxiproxy-server", { env }));
    expect(isLakehouseError(err, "TOOL_MISSING")).toBe(true);
    expect((err as Error).message).toMatch(
      /toxiproxy-server not found .*run: bash scripts\/setup-services\.sh/,
    );
    expect((err as { details: string[] }).details.join()).toContain(
      join(dir, "empty", "bin", "toxiproxy-server"),
    );
  });
});
