import { describe, expect, it } from "vitest";
import { addShop, freshDatabase } from "../../test/support/db";
import { anOrder } from "../../test/support/orders";
import { guestKey } from "~/rfm/customer-key";
import { previewSettings } from "~/scoring/preview.server";
import { recomputeShop } from "~/scoring/recompute.server";
import { shopSettings } from "~/shops/settings.server";
import { createOrderStore } from "~/sync/order-store.server";
import { customerListSchema, listCustomers } from "./customers.server";
import { getDashboard } from "./overview.server";

const NOW = Date.parse("2026-07-01T09:00:00Z");
const DAY = 86_400_000;

/** An order of `cents`, `daysAgo` days before NOW. */
const order = (customerKey: string | null, daysAgo: number, cents: number, extra: Partial<Parameters<typeof anOrder>[0]> = {}) => {
  const at = new Date(NOW - daysAgo * DAY).toISOString();
  return anOrder({
    customerKey,
    guest: customerKey?.startsWith("email:") ?? false,
    processedAt: at,
    updatedAt: at,
    totalMinor: cents,
    lineItems: [{ id: "l1", quantity: 1, unitPriceMinor: cents, totalMinor: cents, subscription: false }],
    ...extra,
  });
};

/** Customers of every kind the headline numbers must account for. */
async function mixedShop() {
  const { db } = await freshDatabase();
  const shopId = await addShop(db, "reconcile.myshopify.com");
  const store = createOrderStore(db);
  const c = (n: number) => `gid://shopify/Customer/${n}`;
  const orders = [];
  // Twenty regular customers inside the 365-day window, some with older orders too.
  for (let i = 0; i < 20; i++) {
    orders.push(order(c(i), 3 + i * 11, 2_000 + i * 300));
    if (i % 3 === 0) orders.push(order(c(i), 400 + i, 5_000)); // before the window: counted, not in the window's spend
  }
  orders.push(order(c(100), 500, 9_900), order(c(100), 420, 1_100)); // Lost: every counted order before the window
  orders.push(order(c(101), 10, 4_000, { test: true })); // ordered, nothing counts: test order
  orders.push(order(c(102), 20, 4_000, { cancelled: true })); // ordered, nothing counts: cancelled
  orders.push(order(c(103), 30, 3_000), order(c(103), 31, 8_000, { pos: true })); // one counted, one POS order left out
  orders.push(order(guestKey("guest@example.com"), 40, 2_500)); // a guest, keyed by email
  orders.push(order(null, 5, 7_000)); // no customer: nobody's
  await store.upsertOrders(shopId, orders);
  await recomputeShop(shopId, { db, now: () => new Date(NOW) });
  return { db, shopId, store };
}

describe("headline numbers reconcile across the dashboard, the settings preview and the customer list", async () => {
  it("GIVEN customers whose orders all count, some, or none WHEN the dashboard, the preview of the current settings and the customer list are read THEN their customer counts and spend add up and name the same period", async () => {
    const { db, shopId, store } = await mixedShop();

    const dashboard = await getDashboard(db, shopId);
    const preview = await previewSettings(shopId, await shopSettings(db, shopId), { db, now: () => new Date(NOW) });
    const list = await listCustomers(db, shopId, customerListSchema.parse({}));
    const rules = preview.current.rules;

    // Customers with a persona: everyone with a counted order, Lost-before-the-window included.
    expect(dashboard.totals.customersScored).toBe(23);
    expect(dashboard.totals.customersScored).toBe(rules.counted.customers);
    expect(dashboard.totals.customersScored).toBe(preview.current.customersWithPersona);
    // Without a persona: customers who ordered but have no counted order.
    expect(dashboard.totals.customersWithoutPersona).toBe(2);
    expect(dashboard.totals.customersWithoutPersona).toBe(rules.customersWithoutCountedOrders);
    // The customer list holds both, and nobody else: every customer who ordered.
    expect(list.total).toBe(dashboard.totals.customersScored + dashboard.totals.customersWithoutPersona);
    expect(list.total).toBe(rules.input.customers);
    // Spend: the lookback window's counted spend, the same in the preview's terms, and the persona rows add up to it.
    expect(dashboard.totals.period).toEqual({ asOf: "2026-07-01", lookbackDays: 365 });
    expect(dashboard.totals.revenueMinor).toBe(rules.counted.revenueMinor - rules.lookbackWindow.revenueBeforeMinor);
    expect(dashboard.personas.reduce((s, p) => s + p.revenueMinor, 0)).toBe(dashboard.totals.revenueMinor);
    expect(dashboard.personas.reduce((s, p) => s + p.customers, 0)).toBe(dashboard.totals.customersScored);
  });

  it("GIVEN a customer without a counted order stored WHEN the shop is recomputed again the same day THEN nothing is written", async () => {
    const { db, shopId, store } = await mixedShop();

    const again = await recomputeShop(shopId, { db, now: () => new Date(NOW) });

    expect(again.customersWritten).toBe(0);
    expect(again.customersWithoutPersona).toBe(2);
  });
});
