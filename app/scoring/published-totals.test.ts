/**
 * A recompute that writes many customers publishes the shop's totals, today's snapshot and its
 * scoring edges from what it scored, before it writes the customer rows (decision 070). The
 * published totals must be exactly what the rebuild from the rows gives afterwards, whatever
 * the rows held before: earlier personas, customers who lost their counted orders, guests,
 * failed writes, customers without a counted order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import type { Db } from "~/db/index.server";
import { getDashboard } from "~/dashboard/overview.server";
import type { CanonicalOrder } from "~/rfm/order";
import { DEFAULT_SHOP_SETTINGS } from "~/settings/shop-settings";
import { writeShopSettings } from "~/shops/settings.server";
import { createOrderStore } from "~/sync/order-store.server";
import { pauseTotals, TotalsFold, TOTALS_REBUILD_FROM } from "./customer-totals.server";
import { recomputeShop } from "./recompute.server";

const DAY = 86_400_000;
const NOW = Date.parse("2026-07-01T09:00:00Z");

/** The shop's totals, rows that hold customers only, as numbers. */
async function totals(db: Db, shopId: string) {
  const rows = (await db
    .prepare(
      `SELECT persona, r, f, m, lastOrderDay, customers, guests, failedWrites, orders, monetaryMinor, lifetimeMs, lifetimes
       FROM "CustomerTotal" WHERE shopId = ? AND customers <> 0 ORDER BY persona, r, f, m, lastOrderDay`,
    )
    .raw()
    .all(shopId)) as unknown[][];
  return rows.map((row) => row.map((v) => (typeof v === "bigint" ? Number(v) : v)));
}

const customerRows = async (db: Db, shopId: string) => Number(await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ?`).pluck().get(shopId));

interface CustomerPlan {
  guest: boolean;
  /** Days before NOW of each order, and whether it is counted (a test order is not). */
  orders: { daysAgo: number; cents: number; test: boolean }[];
}

const customerPlan = fc.record({
  guest: fc.boolean(),
  orders: fc.array(fc.record({ daysAgo: fc.integer({ min: 0, max: 700 }), cents: fc.integer({ min: 0, max: 90_000 }), test: fc.integer({ min: 0, max: 4 }).map((x) => x === 0) }), {
    minLength: 1,
    maxLength: 4,
  }),
});

function ordersOf(plans: CustomerPlan[], salt: string): CanonicalOrder[] {
  return plans.flatMap((plan, i) =>
    plan.orders.map((o, k) => {
      const at = new Date(NOW - o.daysAgo * DAY - 3_600_000).toISOString();
      return anOrder({
        id: `gid://shopify/Order/${salt}-${i}-${k}`,
        customerKey: plan.guest ? `email:buyer${i}@example.com` : `gid://shopify/Customer/${i}`,
        guest: plan.guest,
        processedAt: at,
        updatedAt: at,
        totalMinor: o.cents,
        test: o.test,
        lineItems: [{ id: "l", quantity: 1, unitPriceMinor: o.cents, totalMinor: o.cents, subscription: false }],
      });
    }),
  );
}

describe("totals published ahead of the customer rows", () => {
  it("GIVEN random shops with earlier scores, failed writes, guests and customers without counted orders WHEN a rule change is recomputed THEN the totals published before any row is written equal the rebuild from the rows after", async () => {
    const { db } = await freshDatabase();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(customerPlan, { minLength: 1, maxLength: 25 }),
        fc.array(customerPlan, { maxLength: 6 }),
        fc.option(fc.integer({ min: 20, max: 400 }), { nil: null }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (plans, later, lookbackDays, failing, cancelled) => {
          // GIVEN a shop scored once under an all-time lookback, some of its writes failed
          const shopId = await addShop(db, `published${n++}.myshopify.com`, { settings: { rules: { lookbackDays: null } } });
          const store = createOrderStore(db);
          const first = ordersOf(plans, `a${n}`);
          await store.upsertOrders(shopId, first);
          await recomputeShop(shopId, { db, now: () => new Date(NOW - 30 * DAY) });
          for (const i of failing) {
            await db.prepare(`UPDATE "Customer" SET writeStatus = 'failed' WHERE shopId = ? AND customerKey IN (?, ?)`)
              .run(shopId, `gid://shopify/Customer/${i % plans.length}`, `email:buyer${i % plans.length}@example.com`);
          }
          // … then some customers' orders cancelled, new customers, and a lookback that leaves some without a counted order
          const gone = new Set(cancelled.map((i) => first[i % first.length].customerKey));
          const updatedAt = new Date(NOW - DAY).toISOString();
          await store.upsertOrders(shopId, first.filter((o) => gone.has(o.customerKey)).map((o) => ({ ...o, cancelled: true, updatedAt })));
          await store.upsertOrders(shopId, ordersOf(later, `b${n}`).map((o, k) => ({ ...o, customerKey: `${o.customerKey}-later${k}` })));
          await writeShopSettings(db, shopId, { ...DEFAULT_SHOP_SETTINGS, rules: { ...DEFAULT_SHOP_SETTINGS.rules, lookbackDays } }, new Date(NOW));
          // A small shop writes through the triggers; a paused one (as after a stopped recompute) publishes.
          await pauseTotals(db, shopId);

          // WHEN it is recomputed
          let published: unknown[][] | null = null;
          let rowsAtPublish = -1;
          const rowsBefore = await customerRows(db, shopId);
          const summary = await recomputeShop(shopId, {
            db,
            now: () => new Date(NOW),
            onPublished: async () => {
              published = await totals(db, shopId);
              rowsAtPublish = await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND scoredAt = ?`).pluck().get(shopId, new Date(NOW)) as number;
            },
          });

          // THEN the totals were published before any row of this recompute, and the rows' rebuild agrees
          expect(published).not.toBeNull();
          expect(Number(rowsAtPublish)).toBe(0);
          expect(summary.timingsMs.publishedAfter).not.toBeNull();
          expect(await totals(db, shopId)).toEqual(published);
          expect(await customerRows(db, shopId)).toBeGreaterThanOrEqual(rowsBefore);
          const written = await db.prepare(`SELECT count(*) FROM "Customer" WHERE shopId = ? AND scoredAt = ?`).pluck().get(shopId, new Date(NOW));
          expect(Number(written)).toBe(summary.customersWritten);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("GIVEN a first recompute of more customers than the triggers take WHEN its totals are published THEN the dashboard shows every persona's customers and spend while no customer row is stored yet", async () => {
    const { db } = await freshDatabase();
    const shopId = await addShop(db, "first.myshopify.com", { settings: { rules: { lookbackDays: null } } });
    const plans: CustomerPlan[] = Array.from({ length: TOTALS_REBUILD_FROM + 10 }, (_, i) => ({
      guest: i % 7 === 0,
      orders: Array.from({ length: 1 + (i % 3) }, (_, k) => ({ daysAgo: (i * 13 + k * 90) % 600, cents: 500 + ((i * 37) % 9000), test: false })),
    }));
    await createOrderStore(db).upsertOrders(shopId, ordersOf(plans, "first"));

    let atPublish: { rows: number; personas: [string, number, number][] } | null = null;
    const personasShown = async () =>
      (await getDashboard(db, shopId)).personas
        .filter((p) => p.customers > 0)
        .map((p) => [p.slug, p.customers, p.revenueMinor] as [string, number, number]);
    await recomputeShop(shopId, {
      db,
      now: () => new Date(NOW),
      onPublished: async () => {
        atPublish = { rows: await customerRows(db, shopId), personas: await personasShown() };
      },
    });

    expect(atPublish).not.toBeNull();
    expect(atPublish!.rows).toBe(0);
    expect(atPublish!.personas.length).toBeGreaterThan(3);
    expect(atPublish!.personas).toEqual(await personasShown());
    expect(await customerRows(db, shopId)).toBe(plans.length);
  });

  it("GIVEN the totals fold WHEN rows share a group and scores run 0–5 across days either side of 1970 THEN each group is decoded back with its sums", () => {
    const fold = new TotalsFold();
    fold.add("champions", 5, 5, 5, 10 * DAY, 20 * DAY + 5, false, true, 3, 1500);
    fold.add("champions", 5, 5, 5, null, 20 * DAY, true, false, 2, 700);
    fold.add(null, 0, 0, 0, null, null, true, false, 0, 0);
    fold.add("lost", 1, 2, 3, -5 * DAY, -2 * DAY, false, false, 1, 10);
    const rows = [...fold.rows()].sort((a, b) => String(a).localeCompare(String(b)));
    expect(rows).toEqual(
      [
        ["champions", 5, 5, 5, 20, 2, 1, 1, 5, 2200, 10 * DAY + 5, 1],
        ["", 0, 0, 0, -1, 1, 1, 0, 0, 0, 0, 0],
        ["lost", 1, 2, 3, -2, 1, 0, 0, 1, 10, 3 * DAY, 1],
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );
  });
});
