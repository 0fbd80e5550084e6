import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { createOrderStore } from "~/sync/order-store.server";
import type { Db } from "~/db/index.server";
import { recomputeShop } from "./recompute.server";

async function setup(settings: unknown = {}) {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "demo.myshopify.com", { settings });
  return { db, shopId, store: createOrderStore(db) };
}

const customer = async (db: Db, shopId: string, key: string) =>
  (await db.prepare(`SELECT * FROM "Customer" WHERE shopId = ? AND customerKey = ?`).get(shopId, key)) as Record<string, unknown>;

/** Ten customers, customer i with i+1 orders of $10·(i+1), last order i days before June 30. */
function tenCustomers() {
  const orders = [];
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k <= i; k++) {
      const day = new Date(Date.parse("2026-06-30T12:00:00Z") - (i + k * 7) * 86_400_000).toISOString();
      orders.push(
        anOrder({ customerKey: `gid://shopify/Customer/${i}`, processedAt: day, updatedAt: day, totalMinor: 1000 * (i + 1), lineItems: [{ id: "l", quantity: 1, unitPriceMinor: 1000 * (i + 1), totalMinor: 1000 * (i + 1), subscription: false }] }),
      );
    }
  }
  return orders;
}

describe("recompute a shop", async () => {
  it("GIVEN stored orders WHEN recomputed THEN every customer has metrics, scores, a persona and a snapshot exists", async () => {
    const { db, shopId, store } = await setup();
    await store.upsertOrders(shopId, tenCustomers());

    const summary = await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });

    expect(summary.customersScored).toBe(10);
    const top = await customer(db, shopId, "gid://shopify/Customer/9");
    expect(top).toMatchObject({ frequency: 10, monetaryMinor: 100_000, recencyDays: 10, m: 5, f: 5 });
    expect(typeof top.persona).toBe("string");
    const snapshot = await db.prepare(`SELECT sum(customers) n FROM "PersonaSnapshot" WHERE shopId = ? AND day = '2026-07-01'`).get(shopId);
    expect(snapshot).toEqual({ n: 10 });
    const transitions = await db.prepare(`SELECT sum(customers) n FROM "PersonaTransition" WHERE fromPersona = ''`).get();
    expect(transitions).toEqual({ n: 10 });
  });

  it("GIVEN no new orders WHEN recomputed the next month THEN recency grows, R can drop, and history records the move", async () => {
    const { db, shopId, store } = await setup();
    await store.upsertOrders(shopId, tenCustomers());
    // One newcomer keeps the rest honest: yesterday's order.
    await store.upsertOrders(shopId, [anOrder({ customerKey: "gid://shopify/Customer/new", processedAt: "2026-06-30T00:00:00Z" })]);
    await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });
    const before = await customer(db, shopId, "gid://shopify/Customer/0");

    // A year later nobody bought again: everyone is outside the 365-day window → Lost.
    await recomputeShop(shopId, { db, now: () => new Date("2027-07-15T00:00:00Z") });
    const after = await customer(db, shopId, "gid://shopify/Customer/0");

    expect(Number(after.recencyDays)).toBeGreaterThan(Number(before.recencyDays));
    expect(after.persona).toBe("lost");
    expect(after.previousPersona).toBe(before.persona);
    expect(after.personaSince).toBe(Date.parse("2027-07-15T00:00:00Z"));
    const moves = await db.prepare(`SELECT sum(customers) n FROM "PersonaTransition" WHERE day = '2027-07-15' AND toPersona = 'lost'`).get();
    expect(moves).toEqual({ n: 11 - (before.persona === "lost" ? 1 : 0) });
  });

  it("GIVEN a customer whose only orders stop counting WHEN recomputed THEN the persona is removed", async () => {
    const { db, shopId, store } = await setup();
    const order = anOrder({ customerKey: "gid://shopify/Customer/x" });
    await store.upsertOrders(shopId, [order, anOrder({ customerKey: "gid://shopify/Customer/y" })]);
    await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });
    expect((await customer(db, shopId, "gid://shopify/Customer/x")).persona).not.toBeNull();

    await store.upsertOrders(shopId, [{ ...order, updatedAt: "2026-06-20T00:00:00Z", pos: true, channel: "pos" }]);
    await db.prepare(`UPDATE "Shop" SET settings = ? WHERE id = ?`).run(JSON.stringify({ rules: { excludePos: true } }), shopId);
    await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });

    const x = await customer(db, shopId, "gid://shopify/Customer/x");
    expect(x.persona).toBeNull();
    expect(x.previousPersona).not.toBeNull();
    expect(x.r).toBeNull();
  });

  it("GIVEN nothing changed WHEN recomputed twice the same day THEN the snapshot is replaced, not doubled", async () => {
    const { db, shopId, store } = await setup();
    await store.upsertOrders(shopId, tenCustomers());
    const now = () => new Date("2026-07-01T00:00:00Z");
    await recomputeShop(shopId, { db, now });
    const second = await recomputeShop(shopId, { db, now });

    expect(second.personaChanges).toBe(0);
    expect(await db.prepare(`SELECT sum(customers) n FROM "PersonaSnapshot" WHERE day = '2026-07-01'`).get()).toEqual({ n: 10 });
  });
});
