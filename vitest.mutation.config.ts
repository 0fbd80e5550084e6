import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * The tests `npm run test:mutation` runs against each mutant: the pure scoring core's and
 * the write-back planner's own tests, which need no database, simulator or child process
 * (so no template-database global setup). Left out, though `npm test` runs them:
 * - `*.dataset.test.ts`: real data sets at full size; through instrumented code they cost
 *   seconds per mutant, and the small fixtures and properties reach the same code;
 * - `app/rfm/incremental*.test.ts`: the incremental recompute arrived after this
 *   configuration and is not among the mutated files yet.
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["app/rfm/**/*.test.ts", "test/writeback/plan.test.ts"],
    exclude: ["**/*.dataset.test.ts", "app/rfm/incremental*.test.ts"],
    environment: "node",
    setupFiles: ["./test/setup/fail-on-console-error.ts", "./test/setup/mutation-fast-check.ts"],
    testTimeout: 60_000,
    // Pure modules and a test run per mutant: reusing one worker's module cache saves a
    // process start and a fresh import graph each time (static mutants are still applied).
    pool: "threads",
    poolOptions: { threads: { isolate: false } },
  },
});
