/**
 * Orders that arrive by webhook are scored only once the app knows what Shopify's REST
 * payload cannot say (which lines are subscriptions) and what it says in another currency
 * (refunds): through the real app, the simulator's signed webhooks and its Admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support/app-harness";

let h: Harness;
let shopId: string;

const services = async () => (await import("~/services.server")).services();
const shop = () => h.sim.shop(h.shopDomain);
const customerGid = (id: number) => `gid://shopify/Customer/${id}`;

beforeAll(async () => {
  h = await startHarness({ shop: "reread.myshopify.com" });
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

    const reads = shop().stats().log.slice(before).filter((r) => r.operationName === "OrderById");
    expect(reads).toHaveLength(1);
    expect(reads[0].requestedCost).toBeLessThan(30);
    const { db } = await services();
    expect(await db.prepare(`SELECT count(*) FROM "OrderLine" l JOIN "Order" o ON o.shopId = l.shopId AND o.id = l.orderId WHERE o.shopId = ? AND o.customerKey = ?`).pluck().get(shopId, customerGid(buyer.id))).toBe(2);
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
