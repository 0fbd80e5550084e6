/**
 * After a backfill's bulk load the planner must know how many orders and lines there are:
 * the line-aggregate join planned on "empty table" statistics ran as nested loops for
 * minutes per shop when many shops backfilled at once (bench:shops).
 */
import { describe, expect, it } from "vitest";
import type { OrderHeader } from "~/sync/order-store.server";
import { createOrderStore } from "~/sync/order-store.server";
import { addShop, freshDatabase } from "../support/db";

describe("a backfill's bulk load on PostgreSQL", () => {
  it("GIVEN 3,000 orders with 6,000 lines COPYed into fresh tables WHEN the line aggregates are refreshed THEN the planner's statistics count them, and every order's aggregates are right", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "stats.myshopify.com");
    const store = createOrderStore(db);
    const at = "2026-06-01T10:00:00.000Z";
    const headers: OrderHeader[] = [];
    const lines: Parameters<typeof store.writeBulkBatch>[2] = [];
    for (let i = 0; i < 3_000; i++) {
      const id = `gid://shopify/Order/${i + 1}`;
      headers.push({
        platform: "shopify", id, customerKey: `gid://shopify/Customer/${(i % 700) + 1}`, guest: false, processedAt: at, updatedAt: at,
        currency: "USD", totalMinor: 3_000, refundedMinor: 0, channel: "web", pos: false, subscription: false, test: false, cancelled: false, tags: [],
      });
      for (const [p, cents] of [1_000, i % 10 === 0 ? 0 : 2_000].entries()) {
        lines.push({ orderId: id, lineItem: { id: `L${p}`, quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false } });
      }
    }
    await store.writeBulkBatch(shopId, headers, lines);

    await store.refreshLineAggregates(shopId);

    const planned = async (table: string) => Number(await db.prepare(`SELECT reltuples FROM pg_class WHERE relname = ?`).pluck().get(table));
    expect(await planned("Order")).toBeGreaterThanOrEqual(3_000);
    expect(await planned("OrderLine")).toBeGreaterThanOrEqual(6_000);
    const aggregates = (await db
      .prepare(`SELECT lineCount AS n, itemsTotalMinor AS total, specialLineCount AS special, count(*) AS orders FROM "Order" WHERE shopId = ? GROUP BY 1, 2, 3 ORDER BY 2`)
      .all(shopId)) as { n: number; total: number; special: number; orders: number }[];
    expect(aggregates.map((a) => ({ ...a, orders: Number(a.orders) }))).toEqual([
      { n: 2, total: 1_000, special: 1, orders: 300 },
      { n: 2, total: 3_000, special: 0, orders: 2_700 },
    ]);
  });
});
