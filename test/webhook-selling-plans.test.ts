/**
 * From API 2026-10 Shopify's order webhooks say which lines are subscriptions
 * (`selling_plan_id`, Shopify changelog 2026-10-01): a new order is scored from its webhook
 * alone, without an Admin API re-read. Through the real app, the simulator's signed webhooks
 * (rendered in 2026-10, the app's webhook version) and its Admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support/app-harness";

let h: Harness;
let shopId: string;

const services = async () => (await import("~/services.server")).services();
const shop = () => h.sim.shop(h.shopDomain);
const customerGid = (id: number) => `gid://shopify/Customer/${id}`;
/** Order reads the app asked of the Admin API since `from` (re-reads, one or in batches). */
const orderReads = (from: number) => shop().stats().log.slice(from).filter((r) => r.operationName === "OrdersByIds" || r.operationName === "OrderById");

beforeAll(async () => {
  h = await startHarness({ shop: "selling-plans.myshopify.com" });
  shopId = await h.install();
  await h.runJobs();
  await h.grantWriteConsent();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("order webhooks that name their lines' selling plans", () => {
  it("GIVEN a subscriber's first order and a buyer's order WHEN their orders/create webhooks arrive THEN both are scored without a re-read: the subscriber gets no persona, the buyer does", async () => {
    const subscriber = shop().createCustomer({ email: "sub@example.com" });
    const buyer = shop().createCustomer({ email: "once@example.com" });
    const before = shop().stats().log.length;

    shop().createOrder({ customerId: subscriber.id, lineItems: [{ quantity: 1, unitPriceCents: 4_000, sellingPlan: { name: "Monthly box" } }] });
    shop().createOrder({ customerId: buyer.id, lineItems: [{ quantity: 1, unitPriceCents: 4_000 }, { quantity: 1, unitPriceCents: 1_000 }] });
    await h.runJobs();

    const { db } = await services();
    expect(orderReads(before)).toEqual([]);
    expect(await db.prepare(`SELECT count(*) FROM "RereadWanted" WHERE shopId = ?`).pluck().get(shopId)).toBe(0);
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().get(shopId)).toBe(0);
    const linesOf = async (id: number) =>
      await db
        .prepare(`SELECT l.subscription FROM "OrderLine" l JOIN "Order" o ON o.shopId = l.shopId AND o.id = l.orderId WHERE o.shopId = ? AND o.customerKey = ? ORDER BY l.totalMinor`)
        .pluck()
        .all(shopId, customerGid(id));
    expect(await linesOf(subscriber.id)).toEqual([1]);
    expect(await linesOf(buyer.id)).toEqual([0, 0]);
    const persona = async (id: number) => (await db.prepare(`SELECT persona FROM "Customer" WHERE shopId = ? AND customerKey = ?`).pluck().get(shopId, customerGid(id))) ?? null;
    expect(await persona(subscriber.id)).toBeNull();
    expect(await persona(buyer.id)).not.toBeNull();
  });
});
