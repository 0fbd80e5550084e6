import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, type SeedData } from "../sim/shopify";
import { startHarness, type Harness } from "./support/app-harness";
import { byId, expectedOf, projection } from "./support/stored-orders";

/**
 * An app approved for Level 1 protected customer data only: Shopify withholds email (and
 * name, phone, address) — GraphQL answers those fields with null and ACCESS_DENIED, a bulk
 * export selecting them fails with ACCESS_DENIED, webhooks leave them out.
 */
let h: Harness;
let seed: SeedData;
let shopId: string;
let guestOrderIds: string[];

async function services() {
  return (await import("~/services.server")).services();
}

beforeAll(async () => {
  seed = generateSeed({ dataset: "cdnow", maxCustomers: 60, shiftDatesTo: new Date(), seed: 23 });
  h = await startHarness({ data: seed });
  const shop = h.sim.shop(h.shopDomain);
  shop.customerDataLevel = 1;
  // Guest checkouts: only an email would tie them to a person, and the app may not see it.
  guestOrderIds = ["a", "b", "a"].map(
    (who) =>
      `gid://shopify/Order/${
        shop.store.addOrder(
          { customerId: null, email: `guest-${who}@example.com`, processedAt: new Date().toISOString(), lineItems: [{ quantity: 1, unitPriceCents: 4_000 }] },
          { silent: true },
        ).id
      }`,
  );
  shopId = await h.install();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("email withheld (Level 1 protected customer data)", () => {
  it("GIVEN Level 1 access WHEN an order's email is read through GraphQL THEN Shopify answers null with ACCESS_DENIED (the simulator as Shopify)", async () => {
    const shop = h.sim.shop(h.shopDomain);

    const res = await shop.graphql<{ orders: { nodes: { id: string; email: string | null }[] } }>(
      `{ orders(first: 1) { nodes { id email } } }`,
    );

    expect(res.data?.orders.nodes[0]).toMatchObject({ email: null });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "ACCESS_DENIED" }, path: ["orders", "nodes", 0, "email"] });
  });

  it("GIVEN the export with email fields is denied WHEN the backfill runs THEN it exports again without them and does not fail", async () => {
    const { db } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const queries = [...shop.store.bulkOperations.values()].filter((op) => op.type === "QUERY");

    const state = await db.prepare(`SELECT phase, bulkAttempts, lastError FROM "SyncState" WHERE shopId = ?`).get(shopId);

    expect(queries.map((op) => [op.status, op.errorCode])).toEqual([
      ["FAILED", "ACCESS_DENIED"],
      ["COMPLETED", null],
    ]);
    expect(queries[1].query).not.toMatch(/\bemail\b/);
    expect(state).toEqual({ phase: "idle", bulkAttempts: 1, lastError: null });
  });

  it("GIVEN no email WHEN orders are stored THEN customers' orders are keyed by customer id and guest orders by nobody", async () => {
    const { db, store } = await services();
    const all = await Array.fromAsync(store.iterateOrders(shopId));
    const guests = all.filter((o) => guestOrderIds.includes(o.id));
    const stored = all.filter((o) => !guestOrderIds.includes(o.id)).map(projection).sort(byId);

    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o, { emails: false })).sort(byId));
    // Guests without an email count for nobody (the rules' "no customer id or guest email").
    expect(guests.map((o) => [o.customerKey, o.guest, o.totalMinor])).toEqual(Array(3).fill([null, false, 4_000]));
    expect(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND customerKey LIKE 'email:%'`).pluck().get(shopId)).toBe(0);
    // Customers were still scored.
    expect(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`).pluck().get(shopId)).toBeGreaterThan(0);
  });

  it("GIVEN webhooks without email WHEN a guest and a customer order, and an order is refunded THEN every delivery is accepted and stored sensibly", async () => {
    const { store } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const customer = seed.truth.customers[0];

    const guest = shop.createOrder({ customerId: null, email: "walk-in@example.com", lineItems: [{ quantity: 1, unitPriceCents: 2_500 }] });
    const known = shop.createOrder({ customerId: customer.legacyId, lineItems: [{ quantity: 2, unitPriceCents: 1_000 }] });
    shop.refundOrder(known.id, {});
    await h.runJobs();

    const deliveries = shop.webhooks.deliveries.filter((d) => d.topic.startsWith("orders/") || d.topic === "refunds/create");
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => /"email"|"contact_email"/.test(d.body))).toEqual([]);
    expect(deliveries.filter((d) => d.state !== "delivered").map((d) => [d.topic, d.attempts])).toEqual([]);
    const byOrder = new Map((await Array.fromAsync(store.iterateOrders(shopId))).map((o) => [o.id, o]));
    expect(byOrder.get(`gid://shopify/Order/${guest.id}`)).toMatchObject({ customerKey: null, totalMinor: 2_500 });
    // The refund's re-read (GraphQL, email denied) still landed.
    expect(byOrder.get(`gid://shopify/Order/${known.id}`)).toMatchObject({ customerKey: customer.id, refundedMinor: 2_000 });
  });

  it("GIVEN email is denied WHEN the reconciliation sweep reads updated orders THEN it does not fail and the order catches up", async () => {
    const { runner, store, db } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const order = seed.truth.orders.find((o) => o.customerId)!;
    await new Promise((r) => setTimeout(r, 1100)); // updated_at moves past the sweep point
    shop.setWebhookSubscriptions([]);
    shop.updateOrder(order.id, { tags: ["swept-without-email"] });
    shop.setWebhookSubscriptions(null);

    await runner.enqueue("sweep", shopId);
    await h.runJobs();

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).find((o) => o.id === order.id)!;
    expect(stored.tags).toEqual(["swept-without-email"]);
    const failed = await db.prepare(`SELECT type, lastError FROM "Job" WHERE shopId = ? AND lastError IS NOT NULL`).all(shopId);
    expect(failed).toEqual([]);
  });
});
