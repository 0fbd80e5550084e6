/**
 * Shopify's harness for the store-adapter contract suite: the Shopify simulator with a
 * CDNOW-seeded store and the app wired to it (test/support/app-harness.ts). Everything the
 * suite must not know about Shopify — GIDs, tags, metafields, selling plans — stays here.
 */
import { guestKey } from "~/rfm/customer-key";
import { gid, generateSeed, parseGid, type SimOrder, type SimShop } from "../../sim/shopify";
import { lineDiscountedTotalCents, refundedCents, totalCents } from "../../sim/shopify/order-math";
import { personaDataIn, startHarness, type Harness } from "../support/app-harness";
import type { ExpectedOrder } from "../support/stored-orders";
import type { PlatformHarness } from "./platforms";

/** The Admin API mutations that write to customers (tags, metafields, bulk writes, Flow). */
const WRITE_MUTATIONS = new Set([
  "tagsAdd",
  "tagsRemove",
  "metafieldsSet",
  "metafieldsDelete",
  "bulkOperationRunMutation",
  "flowTriggerReceive",
  "segmentCreate",
  "segmentUpdate",
  "segmentDelete",
  "metafieldDefinitionCreate",
]);

function expectedOf(o: SimOrder): ExpectedOrder {
  const subscriptionLines = o.lineItems.some((l) => l.sellingPlan !== null);
  return {
    id: gid("Order", o.id),
    customerKey: o.customerId !== null ? gid("Customer", o.customerId) : guestKey(o.email),
    totalMinor: totalCents(o),
    refundedMinor: refundedCents(o),
    test: o.test,
    cancelled: o.cancelledAt !== null,
    pos: o.sourceName === "pos",
    // An order is a subscription order when a subscription app created it (a renewal).
    subscription: subscriptionLines && /^subscription/.test(o.sourceName),
    lineItems: o.lineItems
      .map((l) => ({ id: gid("LineItem", l.id), totalMinor: lineDiscountedTotalCents(l), subscription: l.sellingPlan !== null }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

function legacyId(value: string, type: string): number {
  const parsed = parseGid(value);
  if (parsed?.type !== type) throw new Error(`not a ${type} id: ${value}`);
  return parsed.id;
}

export function shopifyPlatformHarness(): PlatformHarness {
  let h: Harness | undefined;
  const harness = () => {
    if (!h) throw new Error("the Shopify harness is not started");
    return h;
  };
  const shop = (): SimShop => harness().sim.shop(harness().shopDomain);
  return {
    platform: "shopify",
    async start({ customers, seed }) {
      const data = generateSeed({ dataset: "cdnow", maxCustomers: customers, shiftDatesTo: new Date(), seed });
      h = await startHarness({ shop: "contract.myshopify.com", data });
    },
    connect: () => harness().install(),
    truthOrders: () => [...shop().store.orders.values()].map(expectedOf),
    async placeOrder(buyer, amountMinor) {
      const order = shop().createOrder({
        ...("customerKey" in buyer ? { customerId: legacyId(buyer.customerKey, "Customer") } : { customerId: null, email: buyer.email }),
        processedAt: new Date().toISOString(),
        lineItems: [{ quantity: 1, unitPriceCents: amountMinor }],
      });
      return gid("Order", order.id);
    },
    async cancelOrder(orderId, { announce }) {
      const s = shop();
      if (!announce) s.setWebhookSubscriptions([]); // deliveries lost
      try {
        s.cancelOrder(legacyId(orderId, "Order"), {});
      } finally {
        if (!announce) s.setWebhookSubscriptions(null);
      }
    },
    personaDataOf: (customerKey) => personaDataIn(shop(), customerKey),
    writeRequests: () => shop().stats().mutations.filter((m) => WRITE_MUTATIONS.has(m)).length,
    async runJobs() {
      await harness().runJobs();
    },
    async close() {
      await h?.close();
    },
  };
}
