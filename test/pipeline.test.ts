import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSeed, type SeedData } from "../sim/shopify";
import { startHarness, type Harness } from "./support/app-harness";
import { byId, expectedOf, projection } from "./support/stored-orders";

let h: Harness;
let seed: SeedData;
let shopId: string;

async function services() {
  return (await import("~/services.server")).services();
}

beforeAll(async () => {
  seed = generateSeed({ dataset: "cdnow", maxCustomers: 120, shiftDatesTo: new Date(), seed: 7 });
  h = await startHarness({ data: seed });
  shopId = await h.install();
  await h.runJobs();
});
afterAll(() => h?.close());

describe("install → backfill → recompute against the simulator", () => {
  it("GIVEN a seeded store WHEN the app is installed THEN every order is stored exactly as the store has it", async () => {
    const { store } = await services();
    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);
    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o)).sort(byId));
  });

  it("GIVEN the backfill finished WHEN its state is read THEN progress is complete and scores exist", async () => {
    const { db } = await services();
    const state = (await db.prepare(`SELECT phase, ordersDone, ordersEstimated, backfillFinishedAt FROM "SyncState" WHERE shopId = ?`).get(shopId)) as Record<string, unknown>;
    expect(state).toMatchObject({ phase: "idle", ordersDone: seed.truth.counts.orders, ordersEstimated: seed.truth.counts.orders });
    expect(state.backfillFinishedAt).not.toBeNull();
    const scored = (await db.prepare(`SELECT count(*) n FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`).get(shopId)) as { n: number };
    expect(scored.n).toBeGreaterThan(50);
  });

  it("GIVEN the backfill finished WHEN a backfill job queued before it finished runs (e.g. woken by its own finish webhook) THEN no new export starts", async () => {
    const { db, runner } = await services();
    const before = await db.prepare(`SELECT phase, bulkOperationId, bulkAttempts, backfillFinishedAt FROM "SyncState" WHERE shopId = ?`).get(shopId);

    await runner.enqueue("backfill", shopId);
    await h.runJobs();

    expect(await db.prepare(`SELECT phase, bulkOperationId, bulkAttempts, backfillFinishedAt FROM "SyncState" WHERE shopId = ?`).get(shopId)).toEqual(before);
  });

  it("GIVEN a crash mid-ingest WHEN the backfill job runs again THEN it resumes without gaps or duplicates", async () => {
    const { db, store } = await services();
    const { ingestBulkLines, startBackfill, backfillStep } = await import("~/platforms/shopify/backfill.server");
    const { default: prisma } = await import("~/db.server");
    const { fromLibraryAdmin, resilient } = await import("~/platforms/shopify/admin-graphql.server");
    const { unauthenticated } = await import("~/platforms/shopify/shopify.server");
    const graphql = resilient(fromLibraryAdmin((await unauthenticated.admin(h.shopDomain)).admin));
    // Start over from an empty order table, as a first install would.
    await db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ?`).run(shopId);
    await db.prepare(`DELETE FROM "Order" WHERE shopId = ?`).run(shopId);
    await startBackfill(shopId, { prisma, db, store, graphql });
    await h.sim.settle();
    const op = await prisma.syncState.findUniqueOrThrow({ where: { shopId } });
    const status = await graphql<{ bulkOperation: { url: string; status: string } }>(
      `#graphql
      query BulkUrl($id: ID!) { bulkOperation(id: $id) { url status } }`,
      { id: op.bulkOperationId },
    );
    const text = await (await fetch(status.data!.bulkOperation.url)).text();
    const lines = text.split("\n").filter(Boolean);
    // The process dies after 40% of the file; batches of 25 lines were committed before.
    async function* dying() {
      for (const [i, line] of lines.entries()) {
        if (i === Math.floor(lines.length * 0.4)) throw new Error("killed");
        yield line;
      }
    }
    await expect(ingestBulkLines(shopId, dying(), 0, { db, store, batchLines: 25 })).rejects.toThrow("killed");
    const committed = (await prisma.syncState.findUniqueOrThrow({ where: { shopId } })).bulkLinesDone;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(lines.length);

    // The restarted job resumes at the first uncommitted line.
    const step = await backfillStep(shopId, { prisma, db, store, graphql });

    expect(step.next).toBe("done");
    const after = await prisma.syncState.findUniqueOrThrow({ where: { shopId } });
    expect(after.ordersDone).toBe(seed.truth.counts.orders);
    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);
    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o)).sort(byId));
  });
});

describe("a bulk export that fails", () => {
  it("GIVEN the export ends FAILED WHEN the backfill polls it THEN a new export runs and every order arrives", async () => {
    const { db, store, runner } = await services();
    const { startBackfill } = await import("~/platforms/shopify/backfill.server");
    const { default: prisma } = await import("~/db.server");
    const { fromLibraryAdmin, resilient } = await import("~/platforms/shopify/admin-graphql.server");
    const { unauthenticated } = await import("~/platforms/shopify/shopify.server");
    const graphql = resilient(fromLibraryAdmin((await unauthenticated.admin(h.shopDomain)).admin));
    const shop = h.sim.shop(h.shopDomain);
    await db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ?`).run(shopId);
    await db.prepare(`DELETE FROM "Order" WHERE shopId = ?`).run(shopId);
    await db.prepare(`UPDATE "SyncState" SET phase = 'idle', bulkOperationId = NULL WHERE shopId = ?`).run(shopId);

    shop.setFaults({ bulkOutcome: "FAILED" });
    await startBackfill(shopId, { prisma, db, store, graphql });
    shop.setFaults({});
    await runner.enqueue("backfill", shopId);
    await h.runJobs();

    const state = await prisma.syncState.findUniqueOrThrow({ where: { shopId } });
    expect(state).toMatchObject({ phase: "idle", bulkAttempts: 2, lastError: null, ordersDone: seed.truth.counts.orders });
    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).map(projection).sort(byId);
    expect(stored).toEqual(seed.truth.orders.map((o) => expectedOf(o)).sort(byId));
  });
});

describe("live webhooks from the simulator", () => {
  it("GIVEN a customer WHEN orders are created, updated, refunded, cancelled and deleted THEN stored data and persona follow", async () => {
    const { db, store } = await services();
    const shop = h.sim.shop(h.shopDomain);
    // A one-order customer whose order counts and lies inside the lookback window.
    const { customerKey: customerId } = (await db
      .prepare(
        `SELECT customerKey FROM "Customer" WHERE shopId = ? AND frequency = 1 AND persona IS NOT NULL AND recencyDays < 300 AND guest = FALSE LIMIT 1`,
      )
      .get(shopId)) as { customerKey: string };
    const legacy = Number(customerId.split("/").pop());
    const personaOf = async () =>
      (await db.prepare(`SELECT persona, frequency, monetaryMinor FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(shopId, customerId)) as {
        persona: string | null;
        frequency: number;
        monetaryMinor: number;
      };
    const before = await personaOf();

    const created = [];
    for (let i = 0; i < 6; i++) {
      created.push(shop.createOrder({ customerId: legacy, processedAt: new Date().toISOString(), lineItems: [{ quantity: 1, unitPriceCents: 50_000 }] }));
    }
    await h.runJobs();
    const afterCreate = await personaOf();
    expect(afterCreate.frequency).toBe(before.frequency + 6);
    expect(afterCreate.persona).not.toBe(before.persona);

    shop.refundOrder(created[0].id, {});
    shop.cancelOrder(created[1].id, {});
    shop.deleteOrder(created[2].id);
    await h.runJobs();

    const stored = new Map((await Array.fromAsync(store.iterateOrders(shopId))).map((o) => [o.id, o]));
    const gid = (o: { id: number }) => `gid://shopify/Order/${o.id}`;
    expect(stored.get(gid(created[0]))?.refundedMinor).toBe(50_000);
    expect(stored.get(gid(created[1]))?.cancelled).toBe(true);
    expect(stored.has(gid(created[2]))).toBe(false);
    const final = await personaOf();
    // Refunded-in-full, cancelled and deleted orders no longer count.
    expect(final.frequency).toBe(before.frequency + 3);
  });

  it("GIVEN duplicated and delayed (reordered) deliveries WHEN they arrive THEN the final state is the same as clean delivery", async () => {
    const { store } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const customer = seed.truth.customers[3];
    shop.setWebhookBehavior({ duplicate: 2 });
    const order = shop.createOrder({ customerId: customer.legacyId, lineItems: [{ quantity: 2, unitPriceCents: 1_000 }] });
    shop.setWebhookBehavior({ duplicate: 1, delayMs: 150 });
    shop.updateOrder(order.id, { tags: ["first-update"] });
    shop.setWebhookBehavior({ duplicate: 1 });
    shop.updateOrder(order.id, { tags: ["second-update"] });
    shop.setWebhookBehavior({});
    await new Promise((r) => setTimeout(r, 300));
    await h.runJobs();
    const failed = shop.webhooks.deliveries.filter((d) => d.attempts.some((a) => a.status !== null && a.status !== 200));
    expect(failed.map((d) => [d.topic, d.attempts])).toEqual([]);

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).find((o) => o.id === `gid://shopify/Order/${order.id}`)!;
    expect(stored.tags).toEqual(["second-update"]);
    expect(stored.totalMinor).toBe(2_000);
  });

  it("GIVEN webhooks that never arrive WHEN the reconciliation sweep runs THEN the stored order catches up", async () => {
    const { store, runner } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const customer = seed.truth.customers[7];
    const order = shop.createOrder({ customerId: customer.legacyId, lineItems: [{ quantity: 1, unitPriceCents: 4_200 }] });
    await h.runJobs();
    shop.setWebhookSubscriptions([]); // deliveries lost
    await new Promise((r) => setTimeout(r, 1100)); // updated_at moves on
    shop.updateOrder(order.id, { tags: ["missed-webhook"] });
    shop.cancelOrder(order.id, {});
    shop.setWebhookSubscriptions(null);

    await runner.enqueue("sweep", shopId);
    await h.runJobs();

    const stored = (await Array.fromAsync(store.iterateOrders(shopId))).find((o) => o.id === `gid://shopify/Order/${order.id}`)!;
    expect(stored.tags).toEqual(["missed-webhook"]);
    expect(stored.cancelled).toBe(true);
  });

  it("GIVEN the shop asks to redact a customer WHEN the webhook arrives THEN that customer's rows are gone", async () => {
    const { db } = await services();
    const shop = h.sim.shop(h.shopDomain);
    const customer = seed.truth.customers[5];
    shop.redactCustomer(customer.legacyId);
    await h.runJobs();
    const left = (await db.prepare(`SELECT count(*) n FROM "Order" WHERE shopId = ? AND customerKey = ?`).get(shopId, customer.id)) as { n: number };
    expect(left.n).toBe(0);
    expect(await db.prepare(`SELECT count(*) n FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(shopId, customer.id)).toEqual({ n: 0 });
  });
});
