/**
 * Reconciliation against the simulator over real HTTP. WooCommerce never retries a delivery,
 * disables webhooks that keep failing, force-deletes and untrashes (REST) silently: the
 * scheduled pass heals our webhooks, reads what changed since the last pass and compares
 * the id sets. And the client rides out 429s, 5xx and timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformContext, ShopRef, StoreAdapter } from "~/platforms/types";
import { byId, projection } from "../support/stored-orders";
import { startWooHarness, wooSeed, wooTruthOrders, type WooHarness } from "./harness";

let h: WooHarness;
let shop: ShopRef;
let ctx: PlatformContext;
/** The process's adapter (ids compared every 6 hours) and one that compares them on every pass. */
let adapter: StoreAdapter;
let everyPass: StoreAdapter;

async function app() {
  const { services } = await import("~/services.server");
  const { default: prisma } = await import("~/db.server");
  return { ...services(), prisma };
}
async function stored() {
  const { store } = await app();
  return (await Array.fromAsync(store.iterateOrders(shop.id, "woocommerce"))).map(projection).sort(byId);
}
const truth = () => wooTruthOrders(h.sim).sort(byId);
const storedOrder = async (id: number) => (await stored()).find((o) => o.id === `woo:order:${id}`);
const webhookOf = (topic: string) => [...h.sim.shop.webhooks.webhooks.values()].find((w) => w.topic === topic);
const aCustomer = () => [...h.sim.shop.store.customers.values()][0].id;
/** A change the store makes while none of our webhooks hears it. */
function unannounced<T>(change: () => T): T {
  const webhooks = [...h.sim.shop.webhooks.webhooks.values()];
  for (const w of webhooks) w.status = "paused";
  try {
    return change();
  } finally {
    for (const w of webhooks) w.status = "active";
  }
}

beforeAll(async () => {
  h = await startWooHarness({ data: wooSeed(30, 9) });
  const shopId = await h.connect();
  await h.runJobs();
  const { db, store, prisma, runner } = await app();
  shop = (await db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId)) as ShopRef;
  ctx = { db, store, prisma, queue: runner.queue };
  const { adapterFor } = await import("~/platforms/registry.server");
  const { createWooCommerceAdapter } = await import("~/platforms/woocommerce/adapter.server");
  const { database } = await import("~/db/index.server");
  adapter = adapterFor("woocommerce");
  everyPass = createWooCommerceAdapter({ db: database, deliveryUrl: `${h.appUrl}/webhooks/woocommerce`, idCheckEveryMs: 0 });
  expect(await stored()).toEqual(truth());
});
afterAll(() => h.close());

describe("WooCommerce reconciliation", () => {
  it("GIVEN a webhook WooCommerce disabled and one the merchant deleted WHEN reconciliation runs THEN both work again and the changes they missed are stored", async () => {
    const order = [...h.sim.shop.store.orders.values()].find((o) => o.status === "completed")!;
    webhookOf("order.updated")!.status = "disabled";
    h.sim.shop.webhooks.remove(webhookOf("order.created")!.id);
    h.sim.shop.updateOrder(order.id, { status: "cancelled" }); // order.updated is disabled: lost
    await h.sim.settle();
    expect((await storedOrder(order.id))!.cancelled).toBe(false);

    const { written } = await adapter.orders.reconcile(shop, ctx);

    expect(written).toBeGreaterThan(0);
    expect((await storedOrder(order.id))!.cancelled).toBe(true);
    expect(webhookOf("order.updated")!.status).toBe("active");
    const recreated = webhookOf("order.created")!;
    expect(recreated).toMatchObject({ status: "active", deliveryUrl: `${h.appUrl}/webhooks/woocommerce` });
    // The re-created webhook is signed with our secret: its deliveries are accepted.
    const from = h.answers.length;
    const placed = h.sim.shop.createOrder({ customerId: aCustomer(), status: "processing", lines: [{ name: "Jam", quantity: 1, unitPriceCents: 650 }] });
    await h.runJobs();
    expect(h.answers.slice(from).filter((a) => a.topic === "order.created").map((a) => a.status)).toEqual([200]);
    expect(await storedOrder(placed.id)).toBeDefined();
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN an order force-deleted in the store (no webhook) WHEN reconciliation compares the id sets THEN the order leaves our data", async () => {
    const order = [...h.sim.shop.store.orders.values()].find((o) => o.customerId > 0 && o.status === "completed")!;
    h.sim.shop.deleteOrder(order.id);
    await h.runJobs();
    expect(await storedOrder(order.id)).toBeDefined();

    await everyPass.orders.reconcile(shop, ctx);

    expect(await storedOrder(order.id)).toBeUndefined();
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN a trashed order untrashed silently over REST WHEN reconciliation runs THEN it counts again", async () => {
    const order = [...h.sim.shop.store.orders.values()].find((o) => o.status === "completed")!;
    h.sim.shop.trashOrder(order.id);
    await h.runJobs();
    expect((await storedOrder(order.id))!.cancelled).toBe(true);
    unannounced(() => h.sim.shop.updateOrder(order.id, { status: "completed" }));

    await adapter.orders.reconcile(shop, ctx);

    expect((await storedOrder(order.id))!.cancelled).toBe(false);
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN a trashed order WHEN the adapter re-reads it, and again once it is force-deleted THEN it is held as not counted, then gone", async () => {
    const order = [...h.sim.shop.store.orders.values()].find((o) => o.status === "completed")!;
    unannounced(() => h.sim.shop.trashOrder(order.id));

    expect(await adapter.orders.refetchOrders(shop, [{ orderId: `woo:order:${order.id}` }], ctx)).toEqual(["written"]);
    expect((await storedOrder(order.id))!.cancelled).toBe(true);

    h.sim.shop.deleteOrder(order.id);
    expect(await adapter.orders.refetchOrders(shop, [{ orderId: `woo:order:${order.id}` }], ctx)).toEqual(["gone"]);
    expect(await storedOrder(order.id)).toBeUndefined();
  });

  it("GIVEN a store answering with 429s, 5xx and dropped connections WHEN the import runs again from scratch THEN every order is stored exactly", async () => {
    const { createWooCommerceAdapter } = await import("~/platforms/woocommerce/adapter.server");
    const { createWooClient } = await import("~/platforms/woocommerce/client.server");
    const { database } = await import("~/db/index.server");
    const patient = createWooCommerceAdapter({
      db: database,
      deliveryUrl: `${h.appUrl}/webhooks/woocommerce`,
      clientFor: (c) => createWooClient({ ...c, attempts: 10, retryBaseMs: 5, timeoutMs: 2_000 }),
    });
    await ctx.db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ?`).run(shop.id);
    await ctx.db.prepare(`DELETE FROM "Order" WHERE shopId = ?`).run(shop.id);
    await ctx.db.prepare(`UPDATE "SyncState" SET phase = 'idle', backfillCursor = NULL WHERE shopId = ?`).run(shop.id);
    h.sim.shop.setFaults({ seed: 5, http429Rate: 0.1, http500Rate: 0.15, http503Rate: 0.15, timeoutRate: 0.1, timeoutMs: 100 });

    try {
      let step;
      do step = await patient.orders.backfillStep(shop, ctx, undefined);
      while (step.next === "poll");
      expect(step.next).toBe("done");
    } finally {
      h.sim.shop.setFaults(null);
    }

    expect(await stored()).toEqual(truth());
  });

  it("GIVEN keys the store no longer accepts WHEN the adapter reads THEN the error names the call and WooCommerce's answer", async () => {
    const { createWooClient, WooApiError } = await import("~/platforms/woocommerce/client.server");
    const client = createWooClient({ siteUrl: h.sim.url, consumerKey: "ck_unknown", consumerSecret: "cs_unknown" });

    const error = await client.get("orders").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WooApiError);
    expect((error as Error).message).toBe("WooCommerce GET orders: HTTP 401 woocommerce_rest_authentication_error: Consumer key is invalid.");
  });

  it("GIVEN a shop connected with a read-only key (no webhooks) WHEN reconciliation runs THEN the store's changes arrive and no webhook is attempted", async () => {
    const other = await startWooHarness({ data: wooSeed(10, 12) });
    try {
      const shopId = await other.connect({ permissions: "read" });
      await other.runJobs();
      const readOnly = (await ctx.db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId)) as ShopRef;
      const order = [...other.sim.shop.store.orders.values()].find((o) => o.status === "completed")!;
      other.sim.shop.updateOrder(order.id, { status: "cancelled" });

      await adapter.orders.reconcile(readOnly, ctx);

      expect(other.sim.shop.webhooks.webhooks.size).toBe(0);
      const { store } = await app();
      expect((await Array.fromAsync(store.iterateOrders(shopId, "woocommerce"))).map(projection).sort(byId)).toEqual(wooTruthOrders(other.sim).sort(byId));
    } finally {
      await other.close();
    }
  });
});

describe("WooCommerce re-reads in batches", () => {
  /** The process's adapter, its REST client counting what it asks the store. */
  async function countingAdapter() {
    const { createWooCommerceAdapter } = await import("~/platforms/woocommerce/adapter.server");
    const { createWooClient } = await import("~/platforms/woocommerce/client.server");
    const { database } = await import("~/db/index.server");
    const asked = { listings: [] as string[], gets: [] as string[] };
    const counting = createWooCommerceAdapter({
      db: database,
      deliveryUrl: `${h.appUrl}/webhooks/woocommerce`,
      clientFor: (c) => {
        const client = createWooClient(c);
        return {
          ...client,
          page: (endpoint, params, page) => (asked.listings.push(String(params.include ?? "")), client.page(endpoint, params, page)),
          get: (endpoint, params) => (asked.gets.push(endpoint), client.get(endpoint, params)),
        };
      },
    });
    return { counting, asked };
  }

  /** Asks re-reads as a delivery would, then runs the process's refresh-order handler until it asks for no further run. */
  async function rereadAll(adapter: StoreAdapter, orderIds: string[]) {
    const { askRereads } = await import("~/sync/reread.server");
    const { jobHandlers } = await import("~/jobs/handlers.server");
    const { db, store, prisma } = await app();
    const asked: string[] = [];
    const queue = { enqueue: async (type: string) => void asked.push(type) };
    await db.transaction(() => askRereads(db, queue as never, shop.id, orderIds.map((orderId) => ({ orderId })), new Date()));
    const handler = jobHandlers({ prisma, db, store, adapterFor: () => adapter, sweepIntervalMs: 3_600_000 })["refresh-order"];
    let runs = 0;
    do {
      asked.length = 0;
      await handler({ shopId: shop.id, payload: {}, attempt: 1, queue: queue as never });
      runs++;
    } while (asked.includes("refresh-order"));
    const left = await db.prepare(`SELECT count(*) FROM "RereadWanted" WHERE shopId = ?`).pluck().get(shop.id);
    return { runs, left, recompute: asked.includes("recompute") };
  }

  it("GIVEN orders changed unannounced, one trashed and one force-deleted, all wanted for a re-read WHEN the re-read job runs THEN one include listing reads the listed ones, the trashed one is held as not counted, the deleted one goes, and no row is left", async () => {
    const live = [...h.sim.shop.store.orders.values()].filter((o) => o.status === "completed").slice(0, 6);
    const [trashed, deleted, ...changed] = live;
    unannounced(() => {
      for (const o of changed) h.sim.shop.updateOrder(o.id, { status: "cancelled" });
      h.sim.shop.trashOrder(trashed.id);
      h.sim.shop.deleteOrder(deleted.id);
    });
    const { counting, asked } = await countingAdapter();

    const run = await rereadAll(counting, live.map((o) => `woo:order:${o.id}`));

    expect(run).toMatchObject({ runs: 1, left: 0, recompute: true });
    expect(asked.listings).toEqual([live.map((o) => o.id).join(",")]);
    // Left out of the listing (the trash, and gone): read one by one.
    expect(asked.gets.sort()).toEqual([`orders/${trashed.id}`, `orders/${deleted.id}`].sort());
    for (const o of [trashed, ...changed]) expect((await storedOrder(o.id))!.cancelled).toBe(true);
    expect(await storedOrder(deleted.id)).toBeUndefined();
    expect(await stored()).toEqual(truth());
  });

  it("GIVEN more wanted orders than a listing page holds WHEN the re-read job runs THEN it reads them 100 to a listing, runs again for the rest, and stores them all", async () => {
    const customer = aCustomer();
    const placed = unannounced(() =>
      Array.from({ length: 130 }, (_, i) => h.sim.shop.createOrder({ customerId: customer, status: "processing", lines: [{ name: `Tea ${i}`, quantity: 1, unitPriceCents: 400 + i }] })),
    );
    const { counting, asked } = await countingAdapter();

    const run = await rereadAll(counting, placed.map((o) => `woo:order:${o.id}`));

    expect(run).toMatchObject({ runs: 2, left: 0 });
    expect(asked.listings.map((l) => l.split(",").length)).toEqual([100, 30]);
    expect(asked.gets).toEqual([]);
    for (const o of placed) expect(await storedOrder(o.id)).toBeDefined();
    expect(await stored()).toEqual(truth());
  });
});
