// @ts-check
import { fileURLToPath } from "node:url";

// Tests find the shared data sets beside the repository; Stryker runs them from a sandbox copy.
process.env.RFM_DATASETS_DIR ??= fileURLToPath(new URL("../shared/datasets", import.meta.url));

/**
 * Mutation testing of the scoring core and the write-back planner: `npm run test:mutation`.
 * Tuned for a 2-core machine (see README, Tests): per-test coverage so each mutant runs only
 * the tests that reach it, vitest's related-test selection, and an incremental cache that
 * re-tests only mutants whose code or tests changed since the last run.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: true, pool: "threads" },
  mutate: [
    "app/rfm/customer-key.ts",
    "app/rfm/days.ts",
    "app/rfm/engine.ts",
    "app/rfm/index.ts",
    "app/rfm/metrics.ts",
    "app/rfm/order-table.ts",
    "app/rfm/order.ts",
    "app/rfm/personas.ts",
    "app/rfm/rules.ts",
    "app/rfm/scoring.ts",
    "app/rfm/settings.ts",
    "app/rfm/summary.ts",
    "app/writeback/plan.ts",
    "app/writeback/shop-plan.ts",
    "app/writeback/desired.ts",
  ],
  // The sandbox needs only the sources and tests; build output, databases and screenshots
  // change under a running server or test and would only slow the copy down.
  ignorePatterns: ["/build", "/data", "/test-results", "/screenshots", "/extensions", "/public", "/docs", "/prisma/*.db*", "/.scratch", "/tmp"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  // Static mutants (module-level constants such as the default persona map) are tested too.
  ignoreStatic: false,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true, reportMutants: true, skipFull: false },
  // The bar is per file (scripts/mutation-scores.mjs), not on the total.
  thresholds: { high: 90, low: 90, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
