/**
 * The app wired to the WooCommerce simulator over real HTTP, for integration tests and the
 * contract suite: the simulator's REST API answers the app's real npm client, and the store's
 * signed webhooks come back over HTTP to the app's real `/webhooks/woocommerce` route.
 * Connecting does what the connect flow leaves behind: the Shop row, the store's key and our
 * per-store webhook secret stored encrypted, our webhooks registered, the import queued.
 */
import { randomBytes } from "node:crypto";
import { guestKey } from "~/rfm/customer-key";
import { generateWooSeed, startWooSimulator, type WcOrder, type WooSeedData, type WooSimulator, type WooSimulatorOptions } from "../../sim/woocommerce";
import { orderTotalCents, refundedCents } from "../../sim/woocommerce/payloads";
import { runJobsUntilIdle, serveRoute } from "../support/app-harness";
import type { StorePersonaData } from "../support/persona-data";
import type { ExpectedOrder } from "../support/stored-orders";

export interface WooHarness {
  sim: WooSimulator;
  data: WooSeedData | undefined;
  appUrl: string;
  /** The shop's domain in our database (the site URL's host). */
  domain: string;
  /** Every webhook the app answered: status and X-RFM-Webhook outcome. */
  answers: { topic: string | null; status: number; outcome: string | null }[];
  connect(options?: { permissions?: "read" | "write" | "read_write" }): Promise<string>;
  runJobs(options?: { maxMs?: number }): Promise<number>;
  close(): Promise<void>;
}

export async function startWooHarness(options: { data?: WooSeedData; sim?: Omit<WooSimulatorOptions, "data"> } = {}): Promise<WooHarness> {
  process.env.RECOMPUTE_DEBOUNCE_MS ??= "30";
  const { action } = await import("~/routes/webhooks.woocommerce");
  const answers: WooHarness["answers"] = [];
  const { server, appUrl } = await serveRoute("/webhooks/woocommerce", action, (request, response) =>
    answers.push({ topic: request.headers.get("x-wc-webhook-topic"), status: response.status, outcome: response.headers.get("x-rfm-webhook") }),
  );

  const sim = await startWooSimulator({ ...options.sim, data: options.data });
  const domain = new URL(sim.url).host;
  const { services } = await import("~/services.server");
  const runner = services().runner;

  return {
    sim,
    data: options.data,
    appUrl,
    domain,
    answers,
    async connect({ permissions = "read_write" } = {}) {
      const { db } = services();
      const { createShop } = await import("~/shops/shop.server");
      const { saveCredentials, saveWebhookIds } = await import("~/platforms/woocommerce/credentials.server");
      const { createWooClient } = await import("~/platforms/woocommerce/client.server");
      const { ensureWebhooks } = await import("~/platforms/woocommerce/subscriptions.server");
      const site = options.data?.site;
      const shopId = await createShop(db, {
        domain,
        platform: "woocommerce",
        name: "WooCommerce test store",
        currency: site?.currency ?? "USD",
        timezone: site?.timeZone ?? "America/New_York",
      });
      const key = sim.shop.addKey({ permissions });
      const webhookSecret = randomBytes(32).toString("base64url");
      const credentials = {
        shopId,
        siteUrl: sim.url,
        consumerKey: key.consumerKey,
        consumerSecret: key.consumerSecret,
        keyPermissions: permissions,
        webhookSecret,
        webhooks: {},
      };
      await saveCredentials(db, credentials);
      // A read-only key cannot create webhooks: that shop lives on reconciliation alone.
      if (permissions !== "read") {
        const client = createWooClient(credentials);
        const health = await ensureWebhooks(client, { secret: webhookSecret, deliveryUrl: `${appUrl}/webhooks/woocommerce`, known: {} });
        await saveWebhookIds(db, shopId, health.ids);
        await sim.settle(); // the pings
      }
      await runner.queue.enqueue("backfill", shopId);
      return shopId;
    },
    runJobs: ({ maxMs } = {}) => runJobsUntilIdle(() => sim.settle(), { maxMs }),
    async close() {
      await sim.stop();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export function wooSeed(customers: number, seed: number): WooSeedData {
  return generateWooSeed({ dataset: "cdnow", maxCustomers: customers, shiftDatesTo: new Date(), seed });
}

const POS = new Set(["pos-rest-api", "woocommerce-pos", "wepos"]);
const CANCELLED = new Set(["cancelled", "trash"]);
const SUBSCRIPTION_ORDER_META = ["_subscription_renewal", "_subscription_switch", "_subscription_resubscribe"];

/**
 * What the app must store for a simulated order, from the simulator's own records and
 * arithmetic (decision 015): another currency with no rate has no money on its lines (its
 * header keeps its own figures); `refunded` is netted in full; cancelled/trash are cancelled
 * (pending/failed/drafts are unpaid, which the projection does not compare).
 */
export function expectedWooOrder(o: WcOrder, storeCurrency: string): ExpectedOrder {
  const hasMeta = (key: string) => o.meta.some((m) => m.key === key);
  const money = o.currency === storeCurrency;
  const total = orderTotalCents(o);
  const refunded = o.status === "refunded" ? Math.max(refundedCents(o), total) : refundedCents(o);
  const subscription = o.createdVia === "subscription" || SUBSCRIPTION_ORDER_META.some(hasMeta);
  return {
    id: `woo:order:${o.id}`,
    customerKey: o.customerId > 0 ? `woo:customer:${o.customerId}` : guestKey(o.billing.email),
    totalMinor: total,
    refundedMinor: refunded,
    test: o.meta.some((m) => m.key === "_wcpay_mode" && m.value === "test"),
    cancelled: CANCELLED.has(o.status),
    pos: POS.has(o.createdVia) || hasMeta("_pos_user"),
    subscription,
    lineItems: o.lines
      .map((l) => ({ id: String(l.id), totalMinor: money ? Math.max(0, l.totalCents) : 0, subscription: subscription || l.meta.some((m) => m.key === "_has_trial") }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** Every order the store holds that the app should hold (the trash is held too, not counted). */
export function wooTruthOrders(sim: WooSimulator): ExpectedOrder[] {
  return [...sim.shop.store.orders.values()].map((o) => expectedWooOrder(o, sim.shop.site.currency));
}

/** Our meta on a simulated customer (`rfm_*` keys, by field key); null when there is no such customer. */
export function wooPersonaDataIn(sim: WooSimulator, customerKey: string): StorePersonaData | null {
  const m = /^woo:customer:(\d+)$/.exec(customerKey);
  const customer = m ? sim.shop.store.customers.get(Number(m[1])) : undefined;
  if (!customer) return null;
  const fields = customer.meta.filter((meta) => meta.key.startsWith("rfm_")).map((meta) => [meta.key.slice(4), String(meta.value)]);
  return { labels: [], fields: Object.fromEntries(fields) };
}
