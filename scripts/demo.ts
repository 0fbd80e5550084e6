/**
 * npm run demo [-- --check] [-- --customers 1500] [-- --port 3000] [-- --platform shopify|woocommerce]
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
 * `--platform woocommerce`: the same with the WooCommerce simulator, connected by pasting a
 * read/write REST API key into the app's connect form; personas are written back as customer
 * meta. Its `--check` also compares the result with the store and exits 1 when anything is off.
 *
 * Deterministic: a fixed seed, and dates shifted so the newest order is today.
 */
import { parseArgs } from "node:util";
import { startDemoStack, DEMO_SHOP, waitForFirstSync } from "./lib/demo-stack";
import { startWooDemoStack } from "./lib/woo-demo-stack";
import type { Db } from "../app/db/index.server";

const { values: args } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    customers: { type: "string", default: "1500" },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "sim-port": { type: "string", default: process.env.SIM_PORT ?? "0" },
    timeout: { type: "string", default: "300" },
    platform: { type: "string", default: "shopify" },
  },
});
const log = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);
const stackOptions = {
  customers: Number(args.customers),
  port: Number(args.port),
  simPort: Number(args["sim-port"]),
  timeout: Number(args.timeout),
  log,
};

async function main() {
  if (args.platform === "woocommerce") return wooCommerce();
  if (args.platform !== "shopify") throw new Error(`--platform must be shopify or woocommerce, not ${args.platform}`);
  const stack = await startDemoStack(stackOptions);
  // The merchant reads the setup guide and approves write-back (a form post from the embedded app).
  await approveWriteback(stack.appUrl, { Authorization: `Bearer ${stack.sim.sessionToken(DEMO_SHOP)}` }, stack.db, DEMO_SHOP);
  await stack.sim.settle();
  const summary = await summarize(stack.db, DEMO_SHOP, adminApiOf(stack.sim.stats(DEMO_SHOP)));
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
  if (args.check) await exitAfter(stack.stop, 0);
  process.stdout.write(`\nOpen the app inside the simulated Shopify admin:\n\n  ${stack.adminUrl}\n\nCtrl-C to stop.\n`);
}

/** The summary is out: exit with its verdict even if something refuses to stop in time. */
async function exitAfter(stop: () => Promise<void>, code: number): Promise<never> {
  setTimeout(() => {
    log("stopping took too long; exiting anyway");
    process.exit(code);
  }, 20_000).unref();
  await stop();
  process.exit(code);
}

async function wooCommerce() {
  const stack = await startWooDemoStack(stackOptions);
  // The merchant opens the app from WP admin (the plugin's signed launch) and approves write-back.
  await approveWriteback(stack.appUrl, { Cookie: await wooLaunchCookie(stack.appUrl, stack.db, stack.shop, stack.siteUrl) }, stack.db, stack.shop);
  await stack.sim.settle();
  const summary = await summarize(stack.db, stack.shop);
  // What the store holds now, read from the simulated store itself.
  const store = stack.sim.shop.store;
  const registeredScored = summary.customersScored - summary.guestCustomersScored;
  const withPersonaMeta = [...store.customers.values()].filter((c) => c.meta.some((m) => m.key === "rfm_persona" && m.value)).length;
  const ours = [...stack.sim.shop.webhooks.webhooks.values()].filter((w) => w.deliveryUrl.startsWith(stack.appUrl));
  const run = summary.writeBack as { status?: string; customersFailed?: number };
  const result = {
    ...summary,
    site: stack.siteUrl,
    ordersSeeded: stack.sim.shop.truth?.counts.orders,
    ordersInStore: store.orders.size,
    writeBack: { ...summary.writeBack, customersWithPersonaMetaInStore: withPersonaMeta },
    webhooks: { registered: ours.length, active: ours.filter((w) => w.status === "active").length, topics: ours.map((w) => w.topic).sort() },
    checks: {
      everyOrderImported: summary.ordersSynced === store.orders.size && store.orders.size === stack.sim.shop.truth?.counts.orders,
      // Without a persona: exactly the customers who ordered but have no counted order.
      customersScored: summary.customersScored > 0 && summary.customersWithoutPersona === summary.customersWithoutCountedOrders,
      writeBackDone: run.status === "done" && run.customersFailed === 0,
      everyRegisteredCustomerWritten: withPersonaMeta === registeredScored,
      guestsReportedNotWritable: summary.guestCustomersScored > 0 && summary.writeBack.guestsNotWritable === summary.guestCustomersScored,
      webhooksActive: ours.length === 6 && ours.every((w) => w.status === "active"),
    },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  const failed = Object.entries(result.checks).filter(([, ok]) => !ok).map(([name]) => name);
  if (failed.length > 0) log(`not as expected: ${failed.join(", ")}`);
  if (args.check) await exitAfter(stack.stop, failed.length > 0 ? 1 : 0);
  process.stdout.write(
    `\nThe store is connected (the app's pages open inside WP admin, not standalone yet):\n\n  ${stack.landingUrl}\n\n` +
      `Connect form: ${stack.connectUrl}\nStore: ${stack.siteUrl} (control API under /__sim/)\n\nCtrl-C to stop.\n`,
  );
}

/**
 * What a merchant does on the dashboard's setup guide: read what write-back will change
 * (printed), press approve (the dashboard's action), then wait for the write-back it starts.
 */
async function approveWriteback(appUrl: string, auth: Record<string, string>, db: Db, domain: string) {
  const { writebackSummary } = await import("../app/writeback/consent.server");
  const { adapterFor } = await import("../app/platforms/registry.server");
  const shop = (await db.prepare(`SELECT id, platform FROM "Shop" WHERE domain = ?`).get(domain)) as { id: string; platform: string };
  const s = await writebackSummary(db, shop.id, adapterFor(shop.platform));
  const what = [
    s.carries.labels && `${s.customersLabelled} customers tagged`,
    s.carries.fields && `${s.customersWithFields} customers get persona fields (${s.fieldKeys.join(", ")})`,
    s.carries.segments && `${s.segmentsToCreate.length} segments created`,
    s.carries.personaChangedTrigger && `${s.personaChangedTriggers} persona-changed Flow triggers`,
  ].filter(Boolean);
  log(`merchant approved write-back: ${what.join("; ")}`);
  const res = await fetch(`${appUrl}/app?index`, {
    method: "POST",
    headers: { ...auth, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36" },
    body: new URLSearchParams({ intent: "approve-writeback" }),
  });
  if (!res.ok) throw new Error(`approving write-back failed: POST /app answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  await waitForFirstSync(db, domain, Number(args.timeout));
}

/** The session cookie WP admin's launch gives the merchant (the companion plugin signs the token with the store's launch secret). */
async function wooLaunchCookie(appUrl: string, db: Db, domain: string, site: string): Promise<string> {
  const { loadLaunchSecret, signLaunchToken, LAUNCH_TOKEN_MAX_TTL_S } = await import("../app/platforms/woocommerce/launch.server");
  const shop = (await db.prepare(`SELECT id FROM "Shop" WHERE domain = ?`).get(domain)) as { id: string };
  const secret = await loadLaunchSecret(db, shop.id);
  if (!secret) throw new Error("the connected store has no launch secret");
  const exp = Math.floor(Date.now() / 1000) + LAUNCH_TOKEN_MAX_TTL_S / 2;
  const token = signLaunchToken({ site, user: 1, exp, nonce: `demo${Date.now()}` }, secret);
  const res = await fetch(`${appUrl}/woocommerce/launch?${new URLSearchParams({ token })}`, { redirect: "manual" });
  const cookie = res.headers.get("set-cookie");
  if (res.status !== 302 || !cookie) throw new Error(`opening the app from WP admin failed: ${res.status}`);
  return cookie.split(";")[0];
}

function adminApiOf(stats: unknown) {
  const s = stats as { graphqlRequests?: number; costPointsUsed?: number; throttledCount?: number };
  return { requests: s.graphqlRequests, costPoints: s.costPointsUsed, throttled: s.throttledCount };
}

/** What the first sync did, from the app's own database. */
async function summarize(db: Db, domain: string, adminApi?: ReturnType<typeof adminApiOf>) {
  const { applyRules } = await import("../app/rfm");
  const { createOrderStore } = await import("../app/sync/order-store.server");
  const { shopSettings } = await import("../app/shops/settings.server");
  const shop = (await db.prepare(`SELECT id, currency FROM "Shop" WHERE domain = ?`).get(domain)) as { id: string; currency: string };
  const settings = await shopSettings(db, shop.id);
  const { report } = applyRules(await Array.fromAsync(createOrderStore(db).iterateOrdersForScoring(shop.id)), settings.rules, new Date());
  const personas = (await db
    .prepare(
      `SELECT persona, count(*) AS customers, sum(monetaryMinor) AS revenueMinor FROM "Customer"
       WHERE shopId = ? AND persona IS NOT NULL GROUP BY persona ORDER BY customers DESC`,
    )
    .all(shop.id)) as { persona: string; customers: number; revenueMinor: number }[];
  const count = async (sql: string) => ((await db.prepare(sql).get(shop.id)) as { n: number }).n;
  return {
    shop: domain,
    currency: shop.currency,
    ordersSynced: await count(`SELECT count(*) AS n FROM "Order" WHERE shopId = ? AND deleted = FALSE`),
    lineItemsSynced: await count(`SELECT count(*) AS n FROM "OrderLine" WHERE shopId = ?`),
    ordersCounted: report.counted.orders,
    ordersExcluded: Object.fromEntries(report.removed.filter((r) => r.orders > 0).map((r) => [r.rule, r.orders])),
    lineItemsExcluded: Object.fromEntries(report.removed.filter((r) => r.lineItems > 0).map((r) => [r.rule, r.lineItems])),
    customersScored: personas.reduce((n, p) => n + p.customers, 0),
    guestCustomersScored: await count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND guest = TRUE AND persona IS NOT NULL`),
    customersWithoutPersona: await count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND persona IS NULL`),
    customersWithoutCountedOrders: report.customersWithoutCountedOrders,
    customersPerPersona: Object.fromEntries(personas.map((p) => [p.persona, p.customers])),
    ...(adminApi ? { adminApi } : {}),
    writeBack: {
      ...((await db
        .prepare(
          `SELECT mode, status, customersPlanned, customersWritten, customersFailed, requests, costPoints, throttled, flowTriggers
           FROM "WritebackRun" WHERE shopId = ? ORDER BY id DESC LIMIT 1`,
        )
        .get(shop.id)) as Record<string, unknown> | undefined),
      guestsNotWritable: await count(`SELECT count(*) AS n FROM "Customer" WHERE shopId = ? AND guest = TRUE AND persona IS NOT NULL`),
    } as Record<string, unknown>,
  };
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
