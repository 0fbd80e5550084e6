/**
 * WooCommerce orders counted as a merchant expects, end to end over real HTTP: imported by
 * the app's npm client from the simulator, stored, scored, and explained in the settings
 * preview's rules report (decision 015).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { WcOrder } from "../../sim/woocommerce";
import { startWooHarness, wooSeed, type WooHarness } from "./harness";

let h: WooHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function app() {
  const { services } = await import("~/services.server");
  return services();
}

/** The rules report a merchant reads in the settings preview (current settings, as of now). */
async function rulesReport(shopId: string) {
  const { db } = await app();
  const { previewSettings } = await import("~/scoring/preview.server");
  const { shopSettings } = await import("~/shops/settings.server");
  return (await previewSettings(shopId, await shopSettings(db, shopId), { db })).current.rules;
}

const DAY = 86_400_000;

describe("GIVEN a USD store where one customer only ever paid in EUR, with no rate on the orders", () => {
  it("WHEN imported and scored THEN that customer has R and F from the EUR orders and M from zero spend, and the rules report counts those orders on their own line", async () => {
    h = await startWooHarness();
    const shop = h.sim.shop;
    const now = Date.now();
    // Six USD customers to rank against, one order each, spread over the last months.
    for (let k = 1; k <= 6; k++) {
      const customer = shop.createCustomer({ email: `usd${k}@example.com` });
      shop.createOrder({ customerId: customer.id, status: "completed", createdAt: now - k * 20 * DAY, lines: [{ name: "Beans", quantity: 1, unitPriceCents: k * 2_000 }] });
    }
    const euro = shop.createCustomer({ email: "euro@example.com" });
    for (const daysAgo of [30, 9, 2]) {
      shop.createOrder({ customerId: euro.id, status: "completed", currency: "EUR", createdAt: now - daysAgo * DAY, lines: [{ name: "Bohnen", quantity: 2, unitPriceCents: 1_870 }] });
    }

    const shopId = await h.connect();
    await h.runJobs();

    const { db } = await app();
    const row = (await db
      .prepare(`SELECT recencyDays, frequency, monetaryMinor, r, f, m, persona FROM "Customer" WHERE shopId = ? AND customerKey = ?`)
      .get(shopId, `woo:customer:${euro.id}`)) as Record<string, unknown> | undefined;
    expect(row).toMatchObject({ recencyDays: 2, frequency: 3, monetaryMinor: 0, r: 5, m: 1 });
    expect(row?.persona).not.toBeNull();
    expect(await db.prepare(`SELECT count(*) FROM "Order" WHERE shopId = ? AND amountUnknown = TRUE`).pluck().get(shopId)).toBe(3);

    const report = await rulesReport(shopId);
    expect(report.amountUnknown).toEqual({ orders: 3 });
    expect(report.removed.find((r) => r.rule === "zeroPriceItems")).toMatchObject({ orders: 0, lineItems: 0 });
    expect(report.counted).toMatchObject({ orders: 9, customers: 7 });
  });
});

describe("GIVEN a seeded store with cancelled, pending, failed and on-hold orders", () => {
  it("WHEN imported THEN the rules report puts unpaid orders under 'Not a purchase (unpaid)', apart from cancelled ones, exactly as the store's statuses say", async () => {
    h = await startWooHarness({ data: wooSeed(150, 12) });
    const shop = h.sim.shop;

    const shopId = await h.connect();
    await h.runJobs();

    // Orders a status rule gets to see: attributable (a customer or a guest email) and not test orders, placed by now.
    const reaching = (o: WcOrder) =>
      (o.customerId > 0 || (o.billing.email ?? "").trim() !== "") &&
      !o.meta.some((m) => m.key === "_wcpay_mode" && m.value === "test") &&
      o.createdAt <= Date.now();
    const orders = [...shop.store.orders.values()].filter(reaching);
    const withStatus = (...statuses: string[]) => orders.filter((o) => statuses.includes(o.status)).length;
    // (Checkout drafts are unpaid too, but `status=any` never lists them: see orders.test.ts.)
    const expected = { cancelled: withStatus("cancelled", "trash"), unpaid: withStatus("pending", "failed") };
    expect(expected.cancelled).toBeGreaterThan(0);
    expect(withStatus("pending")).toBeGreaterThan(0);
    expect(withStatus("failed")).toBeGreaterThan(0);
    expect(withStatus("on-hold")).toBeGreaterThan(0);

    const report = await rulesReport(shopId);
    const removed = (rule: string) => report.removed.find((r) => r.rule === rule)!;
    expect({ cancelled: removed("cancelled").orders, unpaid: removed("unpaid").orders }).toEqual(expected);
    expect(removed("unpaid").label).toBe("Not a purchase (unpaid)");
  });
});
