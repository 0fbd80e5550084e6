import { describe, expect, it } from "vitest";
import { generateSeed } from "./index";

describe("seeded stores from the shared datasets", () => {
  it("GIVEN the same options and seed WHEN generated twice THEN the shops are identical; another seed changes the flags", () => {
    const a = generateSeed({ dataset: "cdnow", maxCustomers: 50, seed: 11 });
    const b = generateSeed({ dataset: "cdnow", maxCustomers: 50, seed: 11 });
    const c = generateSeed({ dataset: "cdnow", maxCustomers: 50, seed: 12 });
    expect(b).toEqual(a);
    expect(c.truth.orders.map((o) => o.pos)).not.toEqual(a.truth.orders.map((o) => o.pos));
  });

  it("GIVEN CDNOW customers WHEN seeded THEN each row is an order whose lines add up to the row's dollars", () => {
    const seed = generateSeed({ dataset: "cdnow", maxCustomers: 200, seed: 1, shares: { zeroItem: 0 } });
    // The first 200 CDNOW customers, straight from the file.
    expect(seed.truth.counts.customers).toBe(200);
    for (const order of seed.truth.orders) {
      const [, customer, day] = order.source.split(":");
      expect(customer).toMatch(/^\d{5}$/);
      expect(day).toMatch(/^1997|^1998/);
      expect(order.lineItems.reduce((s, l) => s + l.discountedTotalCents, 0)).toBe(order.totalCents);
    }
    const customerIds = new Set(seed.truth.customers.map((c) => c.sourceId));
    expect(customerIds.has("00001") && customerIds.has("00200") && !customerIds.has("00201")).toBe(true);
  });

  it("GIVEN default shares WHEN seeded THEN POS, subscription, test, cancelled, refunded and $0 orders all occur, POS and subscription never together", () => {
    const { truth } = generateSeed({ dataset: "cdnow", maxCustomers: 400, seed: 5 });
    const c = truth.counts;
    for (const n of [c.pos, c.subscription, c.test, c.cancelled, c.refunded, c.zeroPriceLineItems, c.multiCurrency])
      expect(n).toBeGreaterThan(0);
    expect(truth.orders.some((o) => o.pos && o.subscription)).toBe(false);
    for (const o of truth.orders.filter((x) => x.cancelledAt !== null)) expect(o.netCents).toBe(0);
    for (const o of truth.orders) expect(o.netCents).toBe(o.totalCents - o.refundedCents);
  });

  it("GIVEN shiftDatesTo WHEN seeded THEN the latest order lies within a day before that instant and nothing after it", () => {
    const target = Date.parse("2026-10-31T23:00:00Z");
    const { truth } = generateSeed({ dataset: "cdnow", maxCustomers: 100, seed: 2, shiftDatesTo: new Date(target) });
    const latest = Date.parse(truth.orders.at(-1)!.processedAt);
    expect(latest).toBeLessThanOrEqual(target);
    expect(target - latest).toBeLessThan(2 * 86400_000);
    for (const o of truth.orders) expect(Date.parse(o.updatedAt)).toBeLessThanOrEqual(Math.max(latest, Date.parse(o.processedAt) + 60_000));
  });

  it("GIVEN the Online Retail sample WHEN seeded THEN invoices become orders, C-invoices cancelled orders, missing CustomerIDs guest orders, UnitPrice 0 free items", () => {
    const { truth, shop } = generateSeed({ dataset: "online-retail", seed: 1, shares: { cancelled: 0, zeroItem: 0 } });
    expect(shop).toMatchObject({ currencyCode: "GBP", ianaTimezone: "Europe/London" });
    const cancelled = truth.orders.filter((o) => o.cancelledAt !== null);
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((o) => o.source.startsWith("online-retail:C"))).toBe(true);
    expect(truth.counts.guestOrders).toBeGreaterThan(0);
    expect(truth.orders.filter((o) => o.customerId === null).every((o) => o.email === null)).toBe(true);
    expect(truth.counts.zeroPriceLineItems).toBeGreaterThan(0);
    expect(truth.orders.every((o) => o.currency === "GBP")).toBe(true);
  });
});
