/**
 * Our own write-back comes back as customers/update deliveries, ~2 per customer written (a
 * 100k-customer shop: ~200k of them). An order that arrives meanwhile must not wait for them
 * in the inbox: order deliveries are applied ahead of pending customer updates, while a shop's
 * deliveries that order matters for (an uninstall, a deletion, a redaction) keep their place.
 * The customers/update subscription asks only for the fields the app reads.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, webhooksFromAppToml } from "../sim/shopify";
import { isSqlite, type Db } from "~/db/index.server";
import type { VerifiedDelivery } from "~/platforms/types";
import { applyInbox, INBOX_BATCH, storeDelivery, wakeApplier } from "~/sync/inbox.server";
import { createOrderStore } from "~/sync/order-store.server";
import { createJobRunner } from "~/jobs/queue.server";
import { createPgBossRunner } from "~/jobs/pg-boss.server";
import { startHarness, type Harness } from "./support/app-harness";
import { addShop, freshDatabase } from "./support/db";
import { drainInbox } from "./support/inbox";
import { anOrder } from "./support/orders";
import { queuedJobs } from "./support/queued-jobs";
import { pendingOf, storeUnapplied } from "./support/stored-unapplied";

const CUSTOMER_FIELDS = ["id", "admin_graphql_api_id", "email", "updated_at"];

describe("customers/update subscription", () => {
  it("GIVEN shopify.app.toml WHEN its customers/update subscription is read THEN it asks only for the fields the app reads", () => {
    const toml = readFileSync(path.resolve(import.meta.dirname, "..", "shopify.app.toml"), "utf8");
    const subscription = webhooksFromAppToml(toml).find((s) => s.topics?.includes("customers/update"));
    expect(subscription?.include_fields).toEqual(CUSTOMER_FIELDS);
  });
});

describe("order deliveries ahead of customer-update echoes (Shopify simulator, signed deliveries)", () => {
  let h: Harness;
  let shopId: string;
  const db = async () => (await import("~/services.server")).services().db;

  beforeAll(async () => {
    const seed = generateSeed({ dataset: "cdnow", maxCustomers: 120, shiftDatesTo: new Date(), seed: 14 });
    h = await startHarness({ data: seed });
    shopId = await h.install();
    await h.runJobs();
  });
  afterAll(() => h?.close());

  it("GIVEN 3 batches' worth of customers/update deliveries stored, then an orders/create WHEN the applier runs one batch THEN the order is stored and a recompute asked for while most customer updates are still pending; the rest apply after", async () => {
    const database = await db();
    const shop = h.sim.shop(h.shopDomain);
    const customers = [...shop.store.customers.values()].slice(0, 3 * INBOX_BATCH);
    expect(customers).toHaveLength(3 * INBOX_BATCH);
    // The store's deliveries are held and then posted, signed as sent, to the app's webhook
    // route one by one: stored, and left for the applier (the harness would apply each at once).
    const from = shop.webhooks.deliveries.length;
    shop.webhooks.hold();
    for (const c of customers) shop.updateCustomer(c.id, { tags: [...c.tags, "echo"] });
    // One real email change among them: it must still arrive.
    shop.updateCustomer(customers[10].id, { email: "changed@example.com" });
    shop.createOrder({ customerId: customers[0].id, lineItems: [{ title: "Fresh", quantity: 1, unitPriceCents: 2_500 }] });
    await storeUnapplied(shop.webhooks.deliveries.slice(from), (await import("~/routes/webhooks")).action);

    const pending = (topic: string) => pendingOf(database, topic);
    expect(await pending("customers/update")).toBe(3 * INBOX_BATCH + 1);
    expect(await pending("orders/create")).toBe(1);
    // Shopify sends only the subscribed fields.
    const echo = shop.webhooks.deliveries.filter((d) => d.topic === "customers/update").at(-1)!;
    expect(Object.keys(JSON.parse(echo.body)).sort()).toEqual([...CUSTOMER_FIELDS].sort());

    const { services } = await import("~/services.server");
    const { store, runner } = services();
    const recomputesDueSoon = async () => (await queuedJobs(database, shopId, "recompute")).filter((j) => j.status === "pending" && j.runAt <= Date.now() + 60_000).length;
    expect(await recomputesDueSoon()).toBe(0);

    await applyInbox({ db: database, store, queue: runner.queue }, { limit: INBOX_BATCH });

    expect(await pending("orders/create")).toBe(0);
    const order = shop.webhooks.deliveries.find((d) => d.topic === "orders/create" && d.state === "held")!;
    const stored = await database.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND id = ?`).pluck().get(shopId, `gid://shopify/Order/${JSON.parse(order.body).id}`);
    expect(Number(stored)).toBe(1);
    expect(await recomputesDueSoon()).toBe(1);
    expect(await pending("customers/update")).toBeGreaterThan(INBOX_BATCH);

    await drainInbox();
    expect(await pending("customers/update")).toBe(0);
    const email = await database.prepare(`SELECT email FROM "Customer" WHERE shopId = ? AND customerKey = ?`).pluck().get(shopId, `gid://shopify/Customer/${customers[10].id}`);
    expect(email).toBe("changed@example.com");
  });
});

describe("what keeps its place", () => {
  const orderDelivery = (shopDomain: string, id: number): VerifiedDelivery => ({
    shopDomain,
    eventId: `order-${shopDomain}-${id}`,
    topic: "orders/create",
    events: [{ type: "order.upserted", order: anOrder({ id: `gid://shopify/Order/${id}`, customerKey: `gid://shopify/Customer/${id}` }), awaitsReread: false }],
    rawBody: "",
  });
  const echo = (shopDomain: string, n: number): VerifiedDelivery => ({
    shopDomain,
    eventId: `echo-${shopDomain}-${n}`,
    topic: "customers/update",
    events: [{ type: "customer.updated", customerKey: `gid://shopify/Customer/${n}`, email: `c${n}@example.com` }],
    rawBody: "",
  });
  const outcome = async (db: Db, eventId: string) => db.prepare(`SELECT outcome FROM "WebhookInbox" WHERE eventId = ?`).pluck().get(eventId);

  it("GIVEN customer updates pending, then shop A's bulk operation finish notice and an order of A WHEN the applier runs one batch THEN both go ahead: the notice only wakes a job, it holds no order back", async () => {
    const { db } = await freshDatabase();
    await addShop(db, "a.myshopify.com");
    const runner = isSqlite(db) ? createJobRunner({ db, handlers: {} }) : createPgBossRunner({ db: db as never, handlers: {} });
    const deps = { db, store: createOrderStore(db), queue: runner.queue };
    try {
      for (let n = 1; n <= 2 * INBOX_BATCH; n++) await storeDelivery(db, runner.queue, "shopify", echo("a.myshopify.com", n));
      const finished = { id: "gid://shopify/BulkOperation/1", status: "completed", type: "mutation" };
      await storeDelivery(db, runner.queue, "shopify", { shopDomain: "a.myshopify.com", eventId: "done", topic: "bulk_operations/finish", events: [{ type: "sync.operationFinished", payload: finished }], rawBody: "" });
      await storeDelivery(db, runner.queue, "shopify", orderDelivery("a.myshopify.com", 1));

      await applyInbox(deps, { limit: INBOX_BATCH });

      expect(await outcome(db, "done")).not.toBeNull();
      expect(await outcome(db, "order-a.myshopify.com-1")).toBe("processed");
      expect(await outcome(db, `echo-a.myshopify.com-${2 * INBOX_BATCH}`)).toBeNull();
    } finally {
      await wakeApplier(runner.queue);
      await runner.stop();
    }
  });

  it("GIVEN customer updates pending, then shop A's uninstall and an order of A, and an order of B WHEN the applier runs one batch THEN B's order goes ahead but A's order waits behind A's uninstall, and is then refused as uninstalled", async () => {
    const { db } = await freshDatabase();
    await addShop(db, "a.myshopify.com");
    await addShop(db, "b.myshopify.com");
    const runner = isSqlite(db) ? createJobRunner({ db, handlers: {} }) : createPgBossRunner({ db: db as never, handlers: {} });
    const deps = { db, store: createOrderStore(db), queue: runner.queue };
    try {
      for (let n = 1; n <= 2 * INBOX_BATCH; n++) await storeDelivery(db, runner.queue, "shopify", echo("a.myshopify.com", n));
      await storeDelivery(db, runner.queue, "shopify", { shopDomain: "a.myshopify.com", eventId: "bye", topic: "app/uninstalled", events: [{ type: "app.uninstalled" }], rawBody: "" });
      await storeDelivery(db, runner.queue, "shopify", orderDelivery("a.myshopify.com", 1));
      await storeDelivery(db, runner.queue, "shopify", orderDelivery("b.myshopify.com", 2));

      await applyInbox(deps, { limit: INBOX_BATCH });

      expect(await outcome(db, "order-b.myshopify.com-2")).toBe("processed");
      expect(await outcome(db, "bye")).toBeNull();
      expect(await outcome(db, "order-a.myshopify.com-1")).toBeNull();

      await applyInbox(deps, { limit: 10_000 });
      expect(await outcome(db, "bye")).toBe("processed");
      expect(await outcome(db, "order-a.myshopify.com-1")).toBe("uninstalled");
    } finally {
      await wakeApplier(runner.queue);
      await runner.stop();
    }
  });
});
