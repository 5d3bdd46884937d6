// One vitest run over every package; workspace packages resolve to their TypeScript sources (`source` condition).
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source", "import", "module", "node", "default"] },
  ssr: { resolve: { conditions: ["source", "import", "module", "node", "default"], externalConditions: ["source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
