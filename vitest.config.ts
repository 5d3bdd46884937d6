// One vitest run over every package; workspace packages resolve to their TypeScript sources (`source` condition).
import { defineConfig } from "vitest/config";

export default defineConfig({
  // No "import" condition: vitest passes these to node, and CJS deps (buffer-crc32 under yazl/yauzl) would load ESM builds.
  resolve: { conditions: ["source", "module", "node", "development|production"] },
  ssr: {
    resolve: { conditions: ["source", "node", "development|production"], externalConditions: ["source"] },
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    maxWorkers: 2,
  },
});
