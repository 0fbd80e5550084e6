import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["app/**/*.test.{ts,tsx}", "test/**/*.test.{ts,tsx}", "sim/**/*.test.ts", "scripts/**/*.test.ts"],
    // bench:shops runs on PostgreSQL: its test is in the PostgreSQL suite (vitest.pg.config.ts).
    exclude: ["node_modules/**", "build/**", "test/browser/**", "scripts/bench-shops.test.ts"],
    environment: "node",
    globalSetup: ["./test/setup/global-db.ts"],
    setupFiles: ["./test/setup/test-env.ts", "./test/setup/fail-on-console-error.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
