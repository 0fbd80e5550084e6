/**
 * WooCommerce's harness for the store-adapter contract suite: the WooCommerce simulator with a
 * CDNOW-seeded store and the app wired to it over real HTTP (test/woocommerce/harness.ts).
 * Everything the suite must not know about WooCommerce — numeric ids, statuses, customer meta,
 * webhook statuses — stays here.
 */
import { startWooHarness, wooPersonaDataIn, wooSeed, wooTruthOrders, type WooHarness } from "../woocommerce/harness";
import type { PlatformHarness } from "./platforms";

const idOf = (key: string, kind: "order" | "customer") => {
  const m = new RegExp(`^woo:${kind}:(\\d+)$`).exec(key);
  if (!m) throw new Error(`not a WooCommerce ${kind} key: ${key}`);
  return Number(m[1]);
};

export function wooCommercePlatformHarness(): PlatformHarness {
  let h: WooHarness | undefined;
  /** Customer writes the store has taken (each customers/batch item or PUT saves the customer). */
  let customerWrites = 0;
  const harness = () => {
    if (!h) throw new Error("the WooCommerce harness is not started");
    return h;
  };
  return {
    platform: "woocommerce",
    async start({ customers, seed }) {
      h = await startWooHarness({ data: wooSeed(customers, seed) });
      h.sim.shop.store.onEvent((event) => {
        if (event === "customer.updated") customerWrites++;
      });
    },
    connect: () => harness().connect(),
    truthOrders: () => wooTruthOrders(harness().sim),
    async placeOrder(buyer, amountMinor) {
      const order = harness().sim.shop.createOrder({
        ...("customerKey" in buyer ? { customerId: idOf(buyer.customerKey, "customer") } : { customerId: 0, billing: { email: buyer.email } }),
        status: "processing",
        lines: [{ name: "Contract item", quantity: 1, unitPriceCents: amountMinor }],
      });
      return `woo:order:${order.id}`;
    },
    async cancelOrder(orderId, { announce }) {
      const shop = harness().sim.shop;
      // Lost deliveries: our webhooks are paused while the merchant acts, then active again.
      const webhooks = announce ? [] : [...shop.webhooks.webhooks.values()].filter((w) => w.status === "active");
      for (const w of webhooks) w.status = "paused";
      try {
        shop.updateOrder(idOf(orderId, "order"), { status: "cancelled" });
      } finally {
        for (const w of webhooks) w.status = "active";
      }
    },
    personaDataOf: (customerKey) => wooPersonaDataIn(harness().sim, customerKey),
    writeRequests: () => customerWrites,
    async runJobs() {
      await harness().runJobs();
    },
    async close() {
      await h?.close();
    },
  };
}
