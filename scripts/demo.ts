/**
 * npm run demo [-- --check] [-- --customers 1500] [-- --port 3000]
 *
 * The whole product on one machine, offline: the Shopify Admin simulator with a store seeded
 * from the CDNOW purchase log (POS, subscription, $0-item, test, cancelled and refunded orders
 * mixed in), the app's production build served for real, installed into the store the way the
 * Shopify admin does it (session token → token exchange → afterAuth), then backfill, scoring
 * and write-back running as background jobs, with webhooks flowing back over HTTP.
 *
 *   --check   print a JSON summary when the first sync is done and exit (0 = all good)
 *   default   print the summary, then keep running with the URL of the app inside a
 *             simulated Shopify admin
 *
 * Deterministic: a fixed seed, and dates shifted so the newest order is today.
 */
import { parseArgs } from "node:util";
import { startDemoStack, DEMO_SHOP } from "./lib/demo-stack";
import type { SqliteDatabase } from "../app/sync/sqlite.server";

const { values: args } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    customers: { type: "string", default: "1500" },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "sim-port": { type: "string", default: process.env.SIM_PORT ?? "0" },
    timeout: { type: "string", default: "300" },
  },
});
const log = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);

async function main() {
  const stack = await startDemoStack({
    customers: Number(args.customers),
    port: Number(args.port),
    simPort: Number(args["sim-port"]),
    timeout: Number(args.timeout),
    log,
  });
  const summary = await summarize(stack.db, stack.sim.stats(DEMO_SHOP));
  // What the store carries now, read from the simulated store itself.
  const store = stack.sim.shop(DEMO_SHOP).store;
  const customers = [...store.customers.values()];
  Object.assign(summary.writeBack, {
    customersTaggedInStore: customers.filter((c) => c.tags.some((t) => t.startsWith("rfm:"))).length,
    // Ours live in the app-reserved namespace (app--<client id>).
    personaMetafieldsInStore: [...store.metafields.values()].filter((m) => m.ownerType === "CUSTOMER" && m.namespace.startsWith("app--")).length,
    segmentsInStore: [...store.segments.values()].filter((x) => x.name.startsWith("RFM: ")).length,
  });
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  if (args.check) {
    // The summary is out and says it worked: exit 0 even if something refuses to stop in time.
    setTimeout(() => {
      log("stopping took too long; exiting anyway");
      process.exit(0);
    }, 20_000).unref();
    await stack.stop();
    process.exit(0);
  }
  process.stdout.write(`\nOpen the app inside the simulated Shopify admin:\n\n  ${stack.adminUrl}\n\nCtrl-C to stop.\n`);
}

/** What the first sync did, from the app's own database. */
async function summarize(db: SqliteDatabase, stats: unknown) {
  const { applyRules } = await import("../app/rfm");
  const { createOrderStore } = await import("../app/sync/order-store.server");
  const { shopSettings } = await import("../app/shops/settings.server");
  const shop = db.prepare(`SELECT id, currency FROM "Shop" WHERE domain = ?`).get(DEMO_SHOP) as { id: string; currency: string };
  const settings = shopSettings(db, shop.id);
  const { report } = applyRules(createOrderStore(db).iterateOrdersForScoring(shop.id), settings.rules, new Date());
  const personas = db
    .prepare(
      `SELECT persona, count(*) AS customers, sum(monetaryMinor) AS revenueMinor FROM "Customer"
       WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY customers DESC`,
    )
    .all(shop.id) as { persona: string; customers: number; revenueMinor: number }[];
  const count = (sql: string) => (db.prepare(sql).get(shop.id) as { n: number }).n;
  const s = stats as { graphqlRequests?: number; costPointsUsed?: number; throttledCount?: number; mutations?: string[] };
  return {
    shop: DEMO_SHOP,
    currency: shop.currency,
    ordersSynced: count(`SELECT count(*) AS n FROM "Order" WHERE shopId = ? AND deleted = 0`),
    lineItemsSynced: count(`SELECT count(*) AS n FROM "OrderLine" WHERE shopId = ?`),
    ordersCounted: report.counted.orders,
    ordersExcluded: Object.fromEntries(report.removed.filter((r) => r.orders > 0).map((r) => [r.rule, r.orders])),
    lineItemsExcluded: Object.fromEntries(report.removed.filter((r) => r.lineItems > 0).map((r) => [r.rule, r.lineItems])),
    customersScored: personas.reduce((n, p) => n + p.customers, 0),
    guestCustomersScored: count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND guest = 1 AND persona IS NOT NULL`),
    customersWithoutPersona: count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NULL`),
    customersPerPersona: Object.fromEntries(personas.map((p) => [p.persona, p.customers])),
    adminApi: { requests: s.graphqlRequests, costPoints: s.costPointsUsed, throttled: s.throttledCount },
    writeBack: {
      ...(db
        .prepare(
          `SELECT mode, status, customersPlanned, customersWritten, customersFailed, requests, costPoints, throttled, flowTriggers
           FROM "WritebackRun" WHERE shopId = ? ORDER BY id DESC LIMIT 1`,
        )
        .get(shop.id) as Record<string, unknown> | undefined),
      guestsNotWritable: count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND guest = 1 AND persona IS NOT NULL`),
    } as Record<string, unknown>,
  };
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
