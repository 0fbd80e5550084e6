import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * The tests `npm run test:mutation` runs against each mutant: the pure scoring core and
 * the write-back planner need no database, simulator or child process, so Stryker runs
 * them without the template-database global setup.
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["app/rfm/**/*.test.ts", "test/writeback/plan.test.ts", "app/settings/shop-settings*.test.ts"],
    // The incremental recompute arrived after this configuration; it is outside the mutated files.
    exclude: ["app/rfm/incremental*.test.ts"],
    environment: "node",
    setupFiles: ["./test/setup/fail-on-console-error.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
