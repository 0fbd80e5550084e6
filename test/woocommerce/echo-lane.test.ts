/**
 * WooCommerce echoes our customer-meta write-back too: each customer of a `customers/batch`
 * update is its own `customer.updated` delivery (/work/shared/woocommerce captures
 * `11-customers-batch-meta--0{1,2,3}-customer.updated.json`, WooCommerce 10.0.2). WooCommerce
 * has no payload field selection, so the treatment is the inbox's: an order delivery stored
 * after them is applied before they are.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyInbox, INBOX_BATCH } from "~/sync/inbox.server";
import { drainInbox } from "../support/inbox";
import { queuedJobs } from "../support/queued-jobs";
import { pendingOf, storeUnapplied } from "../support/stored-unapplied";
import { startWooHarness, wooSeed, type WooHarness } from "./harness";

let h: WooHarness;
let shopId: string;
const services = async () => (await import("~/services.server")).services();

beforeAll(async () => {
  h = await startWooHarness({ data: wooSeed(80, 5) });
  shopId = await h.connect();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("WooCommerce: order deliveries ahead of customer-meta echoes", () => {
  it("GIVEN 2 batches' worth of customer.updated deliveries (our meta written) stored, then a new order's deliveries WHEN the applier runs one batch THEN the order is stored and a recompute asked for while most echoes are still pending", async () => {
    const { db, store, runner } = await services();
    const shop = h.sim.shop;
    const ordersBefore = Number(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(shopId));
    const customers = [...shop.store.customers.values()].slice(0, 2 * INBOX_BATCH);
    expect(customers).toHaveLength(2 * INBOX_BATCH);
    // Held, then posted as signed to the app's route one by one: stored, left for the applier.
    const from = shop.webhooks.deliveries.length;
    shop.webhooks.hold();
    for (const c of customers) shop.updateCustomer(c.id, { meta: [{ key: "rfm_persona", value: "champions" }] });
    shop.createOrder({ customerId: customers[0].id, status: "processing", lines: [{ name: "Jam", quantity: 1, unitPriceCents: 650 }] });
    shop.webhooks.runQueue(); // WooCommerce's queue (Action Scheduler) runs now
    await storeUnapplied(shop.webhooks.deliveries.slice(from), (await import("~/routes/webhooks.woocommerce")).action);
    const pending = (topic: string) => pendingOf(db, topic);
    expect(await pending("customer.updated")).toBe(2 * INBOX_BATCH);
    expect(await pending("order.created")).toBe(1);

    const recomputesDueSoon = async () => (await queuedJobs(db, shopId, "recompute")).filter((j) => j.status === "pending" && j.runAt <= Date.now() + 60_000).length;
    expect(await recomputesDueSoon()).toBe(0);

    await applyInbox({ db, store, queue: runner.queue }, { limit: INBOX_BATCH });

    expect(await pending("order.created")).toBe(0);
    expect(await pending("order.updated")).toBe(0);
    expect(Number(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ?`).pluck().get(shopId))).toBe(ordersBefore + 1);
    expect(await recomputesDueSoon()).toBe(1);
    expect(await pending("customer.updated")).toBeGreaterThan(INBOX_BATCH / 2);

    await drainInbox();
    expect(await pending("customer.updated")).toBe(0);
  });
});
