import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * Browser tests: headless Chromium drives the app inside the simulated Shopify admin
 * (test/browser/*.test.ts). One demo stack (simulator + the app's production build) serves
 * every file: a single worker without isolation keeps it, and the browser, in one process.
 * Run with `vitest run --config vitest.browser.config.ts` (npm run test:browser).
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    // Builds the app when build/ is missing or older than the sources; checks Chromium is there.
    globalSetup: ["./test/browser/support/global-setup.ts"],
    // The app server runs in the test process, so a server-side console.error fails the test too.
    setupFiles: ["./test/setup/fail-on-console-error.ts", "./test/browser/support/setup.ts"],
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    isolate: false,
    fileParallelism: false,
    testTimeout: 90_000,
    // As Playwright's own CI default: one retry absorbs a timing hiccup on a loaded 2-core runner;
    // a test that needs it is still reported as flaky in the output.
    retry: process.env.CI ? 1 : 0,
    // The first file starts the stack: seed, backfill, scoring and write-back of ~800 customers.
    hookTimeout: 420_000,
    teardownTimeout: 30_000,
  },
});
