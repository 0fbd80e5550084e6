import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { recomputeShop } from "~/scoring/recompute.server";
import { createOrderStore } from "~/sync/order-store.server";
import { shopScoreEdges } from "./edges.server";

/** Customer i (0…9) has i + 1 orders of $10 each, the last one i days before July 1. */
function tenCustomers() {
  const orders = [];
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k <= i; k++) {
      const day = new Date(Date.parse("2026-06-30T12:00:00Z") - (i + k * 40) * 86_400_000).toISOString();
      orders.push(
        anOrder({
          id: `o-${i}-${k}`,
          customerKey: `gid://shopify/Customer/${i}`,
          processedAt: day,
          updatedAt: day,
          totalMinor: 1000,
          lineItems: [{ id: "l", quantity: 1, unitPriceMinor: 1000, totalMinor: 1000, subscription: false }],
        }),
      );
    }
  }
  return orders;
}

describe("the shop's score edges in days, orders and money", async () => {
  it("GIVEN a shop never scored WHEN its edges are read THEN there are none yet", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db);
    expect(await shopScoreEdges(db, shopId)).toBeNull();
  });

  it("GIVEN ten customers scored by quintiles WHEN the edges are read THEN each score's days, orders and spend are what the customers were scored by", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "demo.myshopify.com", { settings: { rules: { lookbackDays: null } } });
    const store = createOrderStore(db);
    await store.upsertOrders(shopId, tenCustomers());

    await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });
    const edges = (await shopScoreEdges(db, shopId))!;

    expect(edges).toMatchObject({ currency: "USD", mode: "quantiles", lookbackDays: null, asOf: "2026-07-01", customersBeforeWindow: 0 });
    // Two customers per score: last orders 1–10 days ago, 1–10 orders, $10–$100.
    expect(edges.r.ranges).toEqual([
      { from: 9, to: null },
      { from: 7, to: 8 },
      { from: 5, to: 6 },
      { from: 3, to: 4 },
      { from: 0, to: 2 },
    ]);
    expect(edges.f.ranges).toEqual([
      { from: 1, to: 2 },
      { from: 3, to: 4 },
      { from: 5, to: 6 },
      { from: 7, to: 8 },
      { from: 9, to: null },
    ]);
    expect(edges.m.edges).toEqual([3000, 5000, 7000, 9000]);
    expect(edges.m.ranges[0]).toEqual({ from: null, to: 2999 });
    expect(edges.f.customers).toEqual([2, 2, 2, 2, 2]);

    // Every stored customer's scores agree with the ranges.
    const rows = (await db
      .prepare(`SELECT f, frequency, m, monetaryMinor FROM "Customer" WHERE shopId = ?`)
      .all(shopId)) as { f: number; frequency: number; m: number; monetaryMinor: number }[];
    for (const row of rows) {
      const f = edges.f.ranges[row.f - 1]!;
      expect(row.frequency).toBeGreaterThanOrEqual(f.from!);
      if (f.to !== null) expect(row.frequency).toBeLessThanOrEqual(f.to);
      const m = edges.m.ranges[row.m - 1]!;
      if (m.from !== null) expect(row.monetaryMinor).toBeGreaterThanOrEqual(m.from);
      if (m.to !== null) expect(row.monetaryMinor).toBeLessThanOrEqual(m.to);
    }
  });

  it("GIVEN the merchant's own edges WHEN the shop is scored THEN the edges read back are the merchant's", async () => {
    const { db } = await freshDatabase();
    const edges = { r: [30, 90, 180, 365], f: [2, 3, 4, 6], m: [2000, 5000, 10000, 20000] };
    const shopId = await addShop(db, "demo.myshopify.com", { settings: { scoring: { mode: "edges", edges } } });
    const store = createOrderStore(db);
    await store.upsertOrders(shopId, tenCustomers());

    await recomputeShop(shopId, { db, now: () => new Date("2026-07-01T00:00:00Z") });
    const read = (await shopScoreEdges(db, shopId))!;

    expect(read.mode).toBe("edges");
    expect([read.r.edges, read.f.edges, read.m.edges]).toEqual([edges.r, edges.f, edges.m]);
    expect(read.f.ranges[3]).toEqual({ from: 4, to: 5 });
  });
});
