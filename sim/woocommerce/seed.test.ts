import { describe, expect, it } from "vitest";
import { generateWooSeed } from "./seed";

/** Seeded stores: deterministic, and holding every kind of order the product's rules must handle. */

describe("generateWooSeed", () => {
  it("gives the same store and truth for the same options and seed", () => {
    const a = generateWooSeed({ dataset: "cdnow", maxCustomers: 80, seed: 3 });
    const b = generateWooSeed({ dataset: "cdnow", maxCustomers: 80, seed: 3 });
    const strip = (d: typeof a) => JSON.stringify({ ...d, orders: d.orders.map((o) => ({ ...o, orderKey: "" })) });
    expect(strip(a)).toBe(strip(b));
    expect(strip(generateWooSeed({ dataset: "cdnow", maxCustomers: 80, seed: 4 }))).not.toBe(strip(a));
  });

  it("mixes in POS (both conventions), subscription parents and renewals, $0 lines, refunds, guests, other currencies and unpaid statuses", () => {
    const { orders, customers, truth } = generateWooSeed({ dataset: "cdnow", maxCustomers: 400, seed: 1, shares: { pos: 0.1, subscription: 0.1 } });
    const via = (v: string) => orders.filter((o) => o.createdVia === v);
    expect(via("pos-rest-api").length).toBeGreaterThan(0);
    const wcpos = via("woocommerce-pos");
    expect(wcpos.length).toBeGreaterThan(0);
    expect(wcpos.every((o) => o.meta.some((m) => m.key === "_pos_user"))).toBe(true);
    const renewals = via("subscription");
    expect(renewals.length).toBeGreaterThan(0);
    expect(renewals.every((o) => o.meta.some((m) => m.key === "_subscription_renewal"))).toBe(true);
    expect(truth.counts.subscription).toBeGreaterThan(renewals.length); // parents are checkout orders of the subscription product
    expect(orders.some((o) => o.lines.some((l) => l.totalCents === 0))).toBe(true);
    expect(orders.some((o) => o.status === "refunded")).toBe(true);
    expect(orders.some((o) => o.status === "completed" && o.refunds.length > 0)).toBe(true);
    const guests = orders.filter((o) => o.customerId === 0);
    expect(guests.length).toBeGreaterThan(0);
    expect(guests.every((o) => o.createdVia === "pos-rest-api" || o.billing.email !== "")).toBe(true);
    expect(new Set(orders.map((o) => o.currency))).toEqual(new Set(["USD", "EUR", "GBP"]));
    for (const status of ["pending", "failed", "on-hold", "cancelled"]) expect(orders.some((o) => o.status === status)).toBe(true);
    // AND the truth adds up to the store
    expect(truth.counts.orders).toBe(orders.length);
    expect(truth.counts.customers).toBe(customers.length);
    expect(truth.counts.guestOrders).toBe(guests.length);
    expect(truth.orders.filter((o) => o.refundedCents > 0).every((o) => o.netCents === o.totalCents - o.refundedCents)).toBe(true);
  });

  it("shifts dates so the latest order is today, never in the future", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const { orders } = generateWooSeed({ dataset: "online-retail", maxCustomers: 50, seed: 1, shiftDatesTo: now });
    const latest = Math.max(...orders.map((o) => o.createdAt));
    expect(latest).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - latest).toBeLessThan(2 * 86400_000);
    expect(orders.every((o) => o.modifiedAt <= now.getTime())).toBe(true);
  });
});
