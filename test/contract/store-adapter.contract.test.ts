/**
 * The store-adapter contract: what every platform's adapter must do, run against each
 * platform's simulator through its harness (./platforms.ts). Connect → backfill → stored
 * orders equal the store's → nothing is written before the merchant approves → a new order arrives by signed webhook and is stored after its
 * re-read → recompute → write-back: the store carries what the database says, guests nothing,
 * an unchanged write-back writes nothing → re-reading one order and reconciliation bring
 * changes the webhooks lost. Nothing here knows a platform's ids, fields or documents.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformContext, ShopRef, StoreAdapter } from "~/platforms/types";
import { onPostgres } from "../support/db";
import { expectStoreMatchesDatabase } from "../support/persona-data";
import { byId, projection, type ExpectedOrder } from "../support/stored-orders";
import { PLATFORM_HARNESSES, type PlatformHarness } from "./platforms";

// The app's modules load after the harness has started (they read the environment it sets).
async function appServices() {
  const { services } = await import("~/services.server");
  const { default: prisma } = await import("~/db.server");
  return { ...services(), prisma };
}

describe.each(PLATFORM_HARNESSES.map((make) => [make().platform, make] as const))("the %s store adapter", (_platform, make) => {
  const p: PlatformHarness = make();
  let adapter: StoreAdapter;
  let shop: ShopRef;
  let ctx: PlatformContext;

  async function storedOrders(): Promise<ExpectedOrder[]> {
    const { store } = await appServices();
    const orders: ExpectedOrder[] = [];
    for await (const order of store.iterateOrders(shop.id)) orders.push(projection(order));
    return orders.sort(byId);
  }
  const truth = () => p.truthOrders().sort(byId);
  async function customer(key: string) {
    const { db } = await appServices();
    return (await db.prepare(`SELECT customerKey, guest, persona, frequency, written FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(shop.id, key)) as
      | { customerKey: string; guest: number; persona: string | null; frequency: number; written: string | null }
      | undefined;
  }
  async function storeMatchesDatabase() {
    const { db } = await appServices();
    return expectStoreMatchesDatabase(db, shop.id, {
      isWritable: (key) => adapter.customers.isWritable(key),
      capabilities: adapter.writer.capabilities,
      personaDataOf: (key) => p.personaDataOf(key),
    });
  }

  let writesBeforeConsent = -1;
  let personaDataBeforeConsent: unknown[] = [];

  beforeAll(async () => {
    await p.start({ customers: 60, seed: 11 });
    const shopId = await p.connect();
    await p.runJobs();
    const { db, store, prisma, runner } = await appServices();
    shop = (await db.prepare(`SELECT id, domain, platform, currency, timezone FROM "Shop" WHERE id = ?`).get(shopId)) as ShopRef;
    const { adapterFor } = await import("~/platforms/registry.server");
    adapter = adapterFor(shop.platform);
    ctx = { db, store, prisma, queue: runner.queue };
    // Imported and scored, not yet approved: what the store carries now must be nothing of ours.
    writesBeforeConsent = p.writeRequests();
    const keys = (await db.prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ? AND guest = FALSE`).pluck().all(shop.id)) as string[];
    personaDataBeforeConsent = keys.map((key) => p.personaDataOf(key)).filter((d) => d && (Object.keys(d.fields).length > 0 || d.labels.some((l) => l.startsWith("rfm:"))));
    // The merchant approves on the dashboard (the action's own call), then write-back runs.
    const { approveWriteback } = await import("~/writeback/consent.server");
    await approveWriteback(shop.id, { db, queue: runner.queue });
    await p.runJobs();
    // On PostgreSQL the jobs go through pg-boss's polling workers: the import takes minutes, not seconds.
  }, onPostgres() ? 300_000 : undefined);
  afterAll(() => p.close());

  it("GIVEN a store connected, imported and scored WHEN the merchant has not approved write-back THEN nothing was written to the store", () => {
    expect(writesBeforeConsent).toBe(0);
    expect(personaDataBeforeConsent).toEqual([]);
  });

  it("GIVEN a seeded store WHEN the app connects and its jobs run THEN every order is stored exactly as the store has it", async () => {
    expect(shop.platform).toBe(p.platform);
    expect(adapter.platform).toBe(p.platform);
    const stored = await storedOrders();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).toEqual(truth());
  });

  it("GIVEN the connected store WHEN recompute and write-back have run THEN each writable customer carries exactly what the database says and no guest was written", async () => {
    const { db } = await appServices();
    const scored = (await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND persona IS NOT NULL`).pluck().get(shop.id)) as number;
    expect(scored).toBeGreaterThan(0);

    const checked = await storeMatchesDatabase();

    expect(checked.writable).toBeGreaterThan(0);
  });

  it("GIVEN nothing changed WHEN the writer runs again THEN the store receives no write", async () => {
    const before = p.writeRequests();

    await adapter.writer.writeback(shop, ctx, {});

    expect(p.writeRequests()).toBe(before);
  });

  it("GIVEN the stored orders lost WHEN the adapter's backfill steps run until done THEN every order is back exactly", async () => {
    const { db } = await appServices();
    await db.prepare(`DELETE FROM "OrderLine" WHERE shopId = ?`).run(shop.id);
    await db.prepare(`DELETE FROM "Order" WHERE shopId = ?`).run(shop.id);
    expect(await storedOrders()).toEqual([]);

    // A new import, asked for as install asks for one.
    let cursor: Record<string, unknown> | undefined = { start: true };
    let steps = 0;
    for (;;) {
      const step = await adapter.orders.backfillStep(shop, ctx, cursor);
      if (step.next === "failed") throw new Error(step.error);
      if (step.next === "idle") throw new Error("the import asked for did not start");
      if (step.next === "done") break;
      expect(++steps).toBeLessThan(500);
      cursor = step.cursor;
      await new Promise((r) => setTimeout(r, step.delayMs));
    }

    expect(await storedOrders()).toEqual(truth());
  });

  it("GIVEN a customer and a guest WHEN each places an order and the store's webhooks arrive THEN both orders are stored exactly after their re-read, scored, and only the customer is written", async () => {
    const { db } = await appServices();
    const buyer = (
      await db
        .prepare(`SELECT customerKey FROM "Customer" WHERE shopId = ? AND guest = FALSE AND persona IS NOT NULL AND recencyDays < 300 ORDER BY customerKey`)
        .pluck()
        // A customer whose orders count (inside the lookback window), so a new one adds to them.
        .all(shop.id)
    ).find((key) => adapter.customers.isWritable(key as string)) as string;
    const before = (await customer(buyer))!;
    const guestEmail = "contract-guest@example.com";

    const ordered = await p.placeOrder({ customerKey: buyer }, 12_345);
    const guestOrdered = await p.placeOrder({ email: guestEmail }, 6_789);
    await p.runJobs();

    const stored = await storedOrders();
    expect(stored).toEqual(truth());
    expect(stored.map((o) => o.id)).toEqual(expect.arrayContaining([ordered, guestOrdered]));
    // Held from scoring until re-read from the store, then released.
    const unverified = await db.prepare(`SELECT id FROM "Order" WHERE shopId = ? AND verified = FALSE`).pluck().all(shop.id);
    expect(unverified).toEqual([]);
    expect((await customer(buyer))!.frequency).toBe(before.frequency + 1);
    const guest = stored.find((o) => o.id === guestOrdered)!.customerKey!;
    expect(await customer(guest)).toMatchObject({ guest: 1, written: null });
    expect((await customer(guest))!.persona).not.toBeNull();
    const checked = await storeMatchesDatabase();
    expect(checked.guests).toBeGreaterThan(0);
  });

  it("GIVEN an order changed in the store whose webhooks were lost WHEN the adapter re-reads that order THEN the stored order follows", async () => {
    const [target] = truth().filter((o) => !o.cancelled && o.customerKey !== null).slice(-1);
    await p.cancelOrder(target.id, { announce: false });
    expect((await storedOrders()).find((o) => o.id === target.id)!.cancelled).toBe(false);

    expect(await adapter.orders.refetchOrders(shop, [{ orderId: target.id }], ctx)).toEqual(["written"]);

    expect((await storedOrders()).find((o) => o.id === target.id)!.cancelled).toBe(true);
    expect(await storedOrders()).toEqual(truth());
  });

  it("GIVEN an order changed in the store whose webhooks were lost WHEN the adapter reconciles THEN the stored orders catch up", async () => {
    const [target] = truth().filter((o) => !o.cancelled && o.customerKey !== null);
    await p.cancelOrder(target.id, { announce: false });

    const { written } = await adapter.orders.reconcile(shop, ctx);

    expect(written).toBeGreaterThan(0);
    expect((await storedOrders()).find((o) => o.id === target.id)!.cancelled).toBe(true);
    expect(await storedOrders()).toEqual(truth());
  });

  it("GIVEN reconciled changes WHEN recompute and write-back run THEN the store again carries what the database says", async () => {
    await ctx.queue.enqueue("recompute", shop.id);

    await p.runJobs();

    expect((await storeMatchesDatabase()).writable).toBeGreaterThan(0);
  });
});
