import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * The suites on a real PostgreSQL (`npm run test:pg`): one throwaway server per run
 * (scripts/pg-server.mjs, needs Debian's postgresql package or PGBIN), a migrated template
 * database, and a copy of it per test file as DATABASE_URL. List here every suite that runs
 * on PostgreSQL; files named *.pg.ts run only here.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/postgres/**/*.pg.ts", "app/db/seam.test.ts", "test/foundation/session-storage.test.ts", "app/sync/order-store.server.test.ts", "app/sync/apply-order-deliveries.test.ts", "test/webhooks.test.ts", "test/pipeline.test.ts", "test/backfill-unreadable-lines.test.ts", "test/woocommerce/import.test.ts", "test/webhook-reread.test.ts", "test/webhooks-shopify-samples.test.ts", "test/backfill-finish-webhook.test.ts", "test/woocommerce/timezone.test.ts", "test/webhook-delivery-order.property.test.ts", "test/backfill-protected-data.test.ts", "test/woocommerce/order-rules.test.ts", "test/woocommerce/reconcile.test.ts", "test/woocommerce/webhooks.test.ts", "app/platforms/woocommerce/site-timezone.server.test.ts", "app/scoring/*.test.ts", "app/db/scan.test.ts", "test/contract/store-adapter.contract.test.ts", "app/writeback/*.test.ts", "app/platforms/woocommerce/writeback/*.test.ts", "test/writeback/{consent,customer-block,flow-extension,ownership,plan,setup,writeback,settings-change}.test.ts", "app/jobs/inbox.test.ts", "app/jobs/pg-boss.test.ts", "app/jobs/writeback-settled.test.ts", "app/health/readiness.server.test.ts", "test/processes/worker.test.ts", "test/webhook-receipt.test.ts", "app/housekeeping/prune.server.test.ts", "app/dashboard/{customers,customer-search,edges,personas,overview,totals}.server.test.ts", "app/dashboard/{failed-jobs,reconcile}.test.ts", "app/dashboard/personas.zone.test.ts", "app/platforms/*/persona-actions.test.ts", "test/routes/*.test.ts", "test/privacy/*.test.ts", "test/backfill-history-scope.test.ts", "test/woocommerce/{disconnect,launch}.test.ts", "test/writeback/echo.test.ts", "test/webhook-echo-lane.test.ts", "test/woocommerce/echo-lane.test.ts", "app/shops/shop.server.test.ts", "app/platforms/woocommerce/connect.server.test.ts", "app/platforms/shopify/bulk-finish.server.test.ts", "test/foundation/session-encryption.test.ts", "scripts/bench-shops.test.ts"],
    exclude: ["node_modules/**", "build/**"],
    // Every statement is a round trip to a server on the same two cores, beside files that run
    // several app processes (bench-shops): the property suites take several times their SQLite time.
    testTimeout: 120_000,
    globalSetup: ["./test/setup/global-db.ts", "./test/support/postgres-global.ts"],
    setupFiles: ["./test/setup/test-env.ts", "./test/support/postgres-env.ts", "./test/setup/fail-on-console-error.ts"],
  },
});
