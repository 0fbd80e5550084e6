import { describe, expect, it } from "vitest";
import type { Db } from "~/db/index.server";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { guestKey } from "~/rfm/customer-key";
import { recomputeShop } from "~/scoring/recompute.server";
import { createOrderStore } from "~/sync/order-store.server";
import { outcomeWriter } from "~/writeback/store.server";
import { redactCustomer } from "~/privacy/redact.server";
import { deleteShopData } from "~/shops/shop-data.server";
import { weightedMedian } from "./totals.server";

const NOW = Date.parse("2026-07-01T09:00:00Z");
const DAY = 86_400_000;
const c = (n: number) => `gid://shopify/Customer/${n}`;

const order = (customerKey: string, daysAgo: number, cents: number, extra: Partial<Parameters<typeof anOrder>[0]> = {}) => {
  const at = new Date(NOW - daysAgo * DAY).toISOString();
  return anOrder({
    customerKey,
    guest: customerKey.startsWith("email:"),
    processedAt: at,
    updatedAt: at,
    totalMinor: cents,
    lineItems: [{ id: "l1", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }],
    ...extra,
  });
};

const TOTALS_KEY = `shopId, persona, r, f, m, lastOrderDay`;
const SUMS = `sum(customers) AS customers, sum(guests) AS guests, sum(failedWrites) AS failedWrites, sum(orders) AS orders,
  sum(monetaryMinor) AS monetaryMinor, sum(lifetimeMs) AS lifetimeMs, sum(lifetimes) AS lifetimes`;

/** The stored totals, and the same figures grouped live from Customer. */
async function storedAndLive(db: Db) {
  const day = db.dialect === "postgres" ? `floor(extract(epoch from lastOrderAt) / 86400)::integer` : `lastOrderAt / 86400000`;
  const stored = await db
    .prepare(`SELECT ${TOTALS_KEY}, ${SUMS} FROM "CustomerTotal" WHERE customers <> 0 GROUP BY ${TOTALS_KEY} ORDER BY ${TOTALS_KEY}`)
    .all();
  const live = await db
    .prepare(
      `SELECT ${TOTALS_KEY}, ${SUMS} FROM (
         SELECT shopId, coalesce(persona, '') AS persona, coalesce(r, 0) AS r, coalesce(f, 0) AS f, coalesce(m, 0) AS m,
           coalesce(${day}, -1) AS lastOrderDay, 1 AS customers, CASE WHEN guest THEN 1 ELSE 0 END AS guests,
           CASE WHEN writeStatus = 'failed' THEN 1 ELSE 0 END AS failedWrites, frequency AS orders, monetaryMinor,
           coalesce(${db.sql.epochMs("lastOrderAt")} - ${db.sql.epochMs("firstOrderAt")}, 0) AS lifetimeMs,
           CASE WHEN lastOrderAt IS NOT NULL AND firstOrderAt IS NOT NULL THEN 1 ELSE 0 END AS lifetimes
         FROM "Customer") t
       GROUP BY ${TOTALS_KEY} ORDER BY ${TOTALS_KEY}`,
    )
    .all();
  const zeros = await db.prepare(`SELECT count(*) FROM "CustomerTotal" WHERE customers = 0`).pluck().get();
  return { stored, live, zeros: Number(zeros) };
}

describe("stored customer totals follow every write to Customer", () => {
  it("GIVEN a scored shop WHEN customers are rescored, written back, fail, redacted, deleted and the shop erased THEN after each the stored totals equal a live GROUP BY", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "totals.myshopify.com");
    const other = await addShop(db, "other.myshopify.com");
    const store = createOrderStore(db);
    const orders = [];
    for (let i = 0; i < 12; i++) {
      orders.push(order(c(i), 2 + i * 37, 1_500 + i * 700));
      if (i % 3 === 0) orders.push(order(c(i), 200 + i * 40, 4_000));
    }
    orders.push(order(c(50), 20, 3_000, { cancelled: true })); // ordered, nothing counts: no persona
    orders.push(order(guestKey("guest@example.com")!, 15, 2_500));
    await store.upsertOrders(shopId, orders);
    await store.upsertOrders(other, [order(c(1), 5, 9_000)]);
    const recompute = (id: string, at = NOW) => recomputeShop(id, { db, now: () => new Date(at) });
    const expectInStep = async (after: string) => {
      const { stored, live, zeros } = await storedAndLive(db);
      expect(stored, after).toEqual(live);
      expect(zeros, `${after}: no empty rows left behind`).toBe(0);
    };

    await recompute(shopId);
    await recompute(other);
    await expectInStep("first scoring");
    expect((await storedAndLive(db)).stored.length).toBeGreaterThan(5);

    // A week later with new orders: personas, scores and last-order days move.
    await store.upsertOrders(shopId, [order(c(3), -6, 8_000), order(c(7), -5, 12_000), order(c(12), -4, 500)]);
    await recompute(shopId, NOW + 7 * DAY);
    await expectInStep("rescoring after new orders");

    const write = outcomeWriter(db, shopId, () => NOW);
    await write([
      { customerKey: c(1), written: null, status: "failed", error: "boom", countAttempt: true },
      { customerKey: c(2), written: null, status: "failed", error: "boom", countAttempt: true },
      { customerKey: c(4), written: null, status: "ok" },
    ]);
    await expectInStep("write-back outcomes");
    expect(await db.prepare(`SELECT sum(failedWrites) FROM "CustomerTotal" WHERE shopId = ?`).pluck().get(shopId)).toBe(2);
    await write([{ customerKey: c(2), written: null, status: "ok" }]);
    await expectInStep("a failed write retried");

    await redactCustomer(db, store, shopId, { customerKey: c(1) }, new Date(NOW));
    await expectInStep("a customer redacted");
    expect(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND customerKey = ?`).pluck().get(shopId, c(1))).toBe(0);
    await redactCustomer(db, store, shopId, { customerKey: null, email: "guest@example.com" }, new Date(NOW));
    await expectInStep("a guest redacted");

    await recompute(shopId, NOW + 8 * DAY);
    await expectInStep("rescoring after redaction");

    await deleteShopData(db, other, "other.myshopify.com");
    await expectInStep("a shop erased");
    expect(await db.prepare(`SELECT count(*) FROM "CustomerTotal" WHERE shopId = ?`).pluck().get(other)).toBe(0);
  });

  it("GIVEN values with how many customers hold each WHEN the median is taken THEN it is the middle one, or the mean of the middle two", () => {
    expect(weightedMedian([])).toBeNull();
    expect(weightedMedian([{ v: 1, n: 3 }, { v: 5, n: 1 }])).toBe(1);
    expect(weightedMedian([{ v: 1, n: 2 }, { v: 4, n: 2 }])).toBe(2.5);
    expect(weightedMedian([{ v: 2, n: 1 }, { v: 3, n: 1 }, { v: 9, n: 1 }])).toBe(3);
  });
});
