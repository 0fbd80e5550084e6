/**
 * Orders that arrive by webhook are scored only once the app knows what the REST payload
 * cannot say and what it says in another currency (refunds): through the real app, the
 * simulator's signed webhooks and its Admin API. Before API 2026-10 order webhooks did not say
 * which lines are subscriptions (no `selling_plan_id`): the shop here renders its webhooks in
 * 2026-07, so every new order takes the re-read path; from 2026-10 the payload says it
 * (the last describe).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobHandler } from "~/jobs/types";
import { orderReadCost } from "~/platforms/shopify/orders";
import { MAX_QUERY_COST, validateAdminDocument } from "../sim/shopify";
import { startHarness, type Harness } from "./support/app-harness";
import { deliverWebhook, restOrder, signedWebhook } from "./support/webhooks";

let h: Harness;
let shopId: string;

const services = async () => (await import("~/services.server")).services();
const shop = () => h.sim.shop(h.shopDomain);
const customerGid = (id: number) => `gid://shopify/Customer/${id}`;
const orderGid = (id: number) => `gid://shopify/Order/${id}`;
/** The batch re-reads Shopify answered since `from` in the simulator's request log. */
const batchReads = (from: number) => shop().stats().log.slice(from).filter((r) => r.operationName === "OrdersByIds");
const unverified = async (ids: number[]) => {
  const { db } = await services();
  const held = (await db.prepare(`SELECT id FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().all(shopId)) as string[];
  return ids.filter((id) => held.includes(orderGid(id)));
};
const wanted = async () => {
  const { db } = await services();
  return (await db.prepare(`SELECT orderId FROM "RereadWanted" WHERE shopId = ? ORDER BY orderId`).pluck().all(shopId)) as string[];
};
/** The process's own refresh-order handler, run once here (the job runner would retry a failure later). */
async function refreshOrderHandler(): Promise<JobHandler> {
  const { jobHandlers } = await import("~/jobs/handlers.server");
  const { adapterFor } = await import("~/platforms/registry.server");
  const { default: prisma } = await import("~/db.server");
  const { db, store } = await services();
  return jobHandlers({ prisma, db, store, adapterFor, sweepIntervalMs: 3_600_000 })["refresh-order"];
}

beforeAll(async () => {
  h = await startHarness({ shop: "reread.myshopify.com", webhookApiVersion: "2026-07" });
  shopId = await h.install();
  await h.runJobs();
  // The merchant approves write-back on the dashboard once the import is scored.
  await h.grantWriteConsent();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("a subscription's first order, delivered by webhook", () => {
  it("GIVEN a customer whose only order is a subscription WHEN its orders/create webhook arrives THEN they never get a persona and no Flow trigger fires for them", async () => {
    const subscriber = shop().createCustomer({ email: "sub@example.com" });
    const buyer = shop().createCustomer({ email: "once@example.com" });
    const triggersBefore = shop().flowTriggerCalls.length;

    shop().createOrder({ customerId: subscriber.id, lineItems: [{ quantity: 1, unitPriceCents: 4_000, sellingPlan: { name: "Monthly box" } }] });
    shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 4_000 }] });
    await h.runJobs();

    const { db } = await services();
    const persona = async (id: number) =>
      await db.prepare(`SELECT persona FROM "Customer" WHERE shopId = ? AND customerKey = ?`).pluck().get(shopId, customerGid(id));
    expect((await persona(subscriber.id)) ?? null).toBeNull();
    expect(await persona(buyer.id)).not.toBeNull();
    // The subscription line is known as such, from the Admin API re-read.
    expect(
      (await db.prepare(`SELECT l.subscription FROM "OrderLine" l JOIN "Order" o ON o.shopId = l.shopId AND o.id = l.orderId WHERE o.shopId = ? AND o.customerKey = ?`)
        .pluck()
        .all(shopId, customerGid(subscriber.id))),
    ).toEqual([1]);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().get(shopId)).toBe(0);
    // Flow fired for the real new customer only; nobody moved into a persona and back out.
    const fired = shop().flowTriggerCalls.slice(triggersBefore).map((c) => JSON.stringify(c.payload));
    expect(fired.filter((p) => p.includes(String(subscriber.id)))).toEqual([]);
    expect(fired.filter((p) => p.includes(String(buyer.id)))).toHaveLength(1);
    const transitions = await db.prepare(`SELECT fromPersona, toPersona FROM "PersonaTransition" WHERE shopId = ? AND toPersona = ''`).all(shopId);
    expect(transitions).toEqual([]);
  });

  it("GIVEN a known order WHEN an update arrives with the same lines THEN it stays scored (no re-read hold) and keeps its subscription lines", async () => {
    const subscriber = shop().createCustomer({ email: "sub2@example.com" });
    const order = shop().createOrder({
      customerId: subscriber.id,
      lineItems: [
        { quantity: 1, unitPriceCents: 4_000, sellingPlan: { name: "Monthly box" } },
        { quantity: 1, unitPriceCents: 2_500 },
      ],
    });
    await h.runJobs();

    shop().updateOrder(order.id, { tags: ["gift"] });
    await shop().settle();

    const { db } = await services();
    const row = await db.prepare(`SELECT verified, tags FROM "Order" WHERE shopId = ? AND id = ?`).get(shopId, `gid://shopify/Order/${order.id}`);
    expect(row).toEqual({ verified: 1, tags: JSON.stringify(["gift"]) });
    expect(
      (await db.prepare(`SELECT subscription FROM "OrderLine" WHERE shopId = ? AND orderId = ? ORDER BY totalMinor`).pluck().all(shopId, `gid://shopify/Order/${order.id}`)),
    ).toEqual([0, 1]);
  });
});

describe("the re-read's cost", () => {
  it("GIVEN a two-line order announced by webhook WHEN the app re-reads it THEN it asks Shopify for two lines (about 20 points up front), not a hundred (about 600), so a bucket the write-back keeps low does not hold it", async () => {
    const buyer = shop().createCustomer({ email: "two-lines@example.com" });
    const before = shop().stats().log.length;

    shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 1_500 }, { quantity: 2, unitPriceCents: 900 }] });
    await h.runJobs();

    const reads = shop().stats().log.slice(before).filter((r) => r.operationName === "OrdersByIds");
    expect(reads).toHaveLength(1);
    expect(reads[0].requestedCost).toBeLessThan(30);
    const { db } = await services();
    expect(await db.prepare(`SELECT count(*) FROM "OrderLine" l JOIN "Order" o ON o.shopId = l.shopId AND o.id = l.orderId WHERE o.shopId = ? AND o.customerKey = ?`).pluck().get(shopId, customerGid(buyer.id))).toBe(2);
  });
});

describe("re-reads in batches", () => {
  it("GIVEN a burst of webhook orders WHEN the shop's re-read job runs THEN one Admin API query re-reads them all and every order is verified", async () => {
    const buyer = shop().createCustomer({ email: "burst@example.com" });
    const before = shop().stats().log.length;

    const orders = Array.from({ length: 12 }, (_, i) =>
      shop().createOrder({ customerId: buyer.id, lineItems: Array.from({ length: 1 + (i % 3) }, () => ({ quantity: 1, unitPriceCents: 1_000 })) }),
    );
    await shop().settle();
    await h.runJobs();

    const reads = batchReads(before);
    expect(reads).toHaveLength(1);
    expect(shop().stats().log.slice(before).filter((r) => r.operationName === "OrderById")).toEqual([]);
    // Every order asks for the batch's largest line count: 12 × (8 + 6 × 3).
    expect(reads[0].requestedCost).toBe(12 * orderReadCost(3));
    expect(await unverified(orders.map((o) => o.id))).toEqual([]);
    expect(await wanted()).toEqual([]);
  });

  it("GIVEN more webhook orders than one query may ask for within Shopify's cost limit WHEN the re-read job runs THEN several queries, each within the limit, re-read them all", async () => {
    const buyer = shop().createCustomer({ email: "many-lines@example.com" });
    const before = shop().stats().log.length;

    // 12 lines: 80 points an order, 12 orders a query.
    const orders = Array.from({ length: 20 }, () =>
      shop().createOrder({ customerId: buyer.id, lineItems: Array.from({ length: 12 }, () => ({ quantity: 1, unitPriceCents: 500 })) }),
    );
    await shop().settle();
    await h.runJobs();

    const reads = batchReads(before);
    expect(reads.map((r) => r.requestedCost)).toEqual([12 * orderReadCost(12), 8 * orderReadCost(12)]);
    expect(reads.every((r) => (r.requestedCost ?? Infinity) <= MAX_QUERY_COST && r.status === 200)).toBe(true);
    expect(shop().stats().maxCostExceededCount).toBe(0);
    expect(await unverified(orders.map((o) => o.id))).toEqual([]);
    expect(await wanted()).toEqual([]);
    const { db } = await services();
    expect(await db.prepare(`SELECT count(*) FROM "OrderLine" WHERE shopId = ? AND orderId = ?`).pluck().get(shopId, orderGid(orders[19].id))).toBe(12);
  });

  it("GIVEN a burst in which the Admin API still returns one order older than its webhook WHEN the re-read job runs THEN the others are stored, that one stays wanted and the job fails to be retried; WHEN the API has caught up THEN a later run verifies it", async () => {
    const buyer = shop().createCustomer({ email: "lag@example.com" });
    const known = shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 3_000 }] });
    await h.runJobs();
    const fresh = Array.from({ length: 3 }, () => shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 2_000 }] }));
    // A webhook announcing a change the Admin API does not show yet.
    // (Whole seconds: Shopify's times have no fraction.)
    const announcedAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2_000).toISOString();
    await deliverWebhook(signedWebhook("orders/updated", h.shopDomain, restOrder(known.id, buyer.id, { updated_at: announcedAt, created_at: known.createdAt })));
    await shop().settle();
    await h.runJobs(); // the job's attempt fails here: its retry is not due for a minute

    expect(await unverified([...fresh.map((o) => o.id), known.id])).toEqual([known.id]);
    expect(await wanted()).toEqual([orderGid(known.id)]);
    const { db } = await services();
    const handler = await refreshOrderHandler();
    const run = () => handler({ shopId, payload: {}, attempt: 2, queue: { enqueue: async () => {} } });
    await expect(run()).rejects.toThrow(/older than their webhook/);
    expect(await wanted()).toEqual([orderGid(known.id)]);

    await new Promise((r) => setTimeout(r, Date.parse(announcedAt) - Date.now() + 1_050));
    shop().updateOrder(known.id, { tags: ["caught-up"] });
    await shop().settle();
    await h.runJobs();

    expect(await unverified([known.id])).toEqual([]);
    expect(await wanted()).toEqual([]);
    expect(await db.prepare(`SELECT tags FROM "Order" WHERE shopId = ? AND id = ?`).pluck().get(shopId, orderGid(known.id))).toBe(JSON.stringify(["caught-up"]));
  });

  it("GIVEN a re-read job queued before re-reads were batched (its order in the payload) WHEN it runs THEN that order is re-read", async () => {
    const buyer = shop().createCustomer({ email: "legacy@example.com" });
    const order = shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 1_200 }] });
    await h.runJobs();
    shop().updateOrder(order.id, { tags: ["unannounced"] });
    const before = shop().stats().log.length;

    await (await refreshOrderHandler())({ shopId, payload: { orderId: orderGid(order.id), lines: 1 }, attempt: 1, queue: { enqueue: async () => {} } });

    expect(batchReads(before)).toHaveLength(1);
    const { db } = await services();
    expect(await db.prepare(`SELECT tags FROM "Order" WHERE shopId = ? AND id = ?`).pluck().get(shopId, orderGid(order.id))).toBe(JSON.stringify(["unannounced"]));
  });

  it("GIVEN the batch re-read document WHEN validated against the Admin API schema THEN it is valid", async () => {
    const { ORDERS_BY_IDS_QUERY, ORDER_LINES_QUERY } = await import("~/platforms/shopify/orders");
    expect(validateAdminDocument(ORDERS_BY_IDS_QUERY).map((e) => e.message)).toEqual([]);
    expect(validateAdminDocument(ORDER_LINES_QUERY).map((e) => e.message)).toEqual([]);
  });
});

describe("refunds in a multi-currency shop", () => {
  it("GIVEN an order paid in EUR in a USD shop WHEN part of it is refunded THEN the stored refund is the shop-money amount", async () => {
    const buyer = shop().createCustomer({ email: "eu@example.com" });
    const order = shop().createOrder({
      customerId: buyer.id,
      presentmentCurrency: "EUR",
      presentmentRate: 0.93,
      lineItems: [{ quantity: 2, unitPriceCents: 5_000 }],
    });
    await h.runJobs();

    shop().refundOrder(order.id, { amountCents: 3_000 }); // 30.00 USD = 27.90 EUR to the buyer
    await h.runJobs();

    const { db } = await services();
    expect(await db.prepare(`SELECT currency, totalMinor, refundedMinor FROM "Order" WHERE shopId = ? AND id = ?`).get(shopId, `gid://shopify/Order/${order.id}`)).toEqual({
      currency: "USD",
      totalMinor: 10_000,
      refundedMinor: 3_000,
    });
  });
});
