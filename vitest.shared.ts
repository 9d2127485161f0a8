import { defineConfig } from "vitest/config"

// Shared by every package's vitest.config.ts: tests run on the TypeScript sources ("source" export condition),
// never on a stale dist/.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    fakeTimers: { toFake: undefined },
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
