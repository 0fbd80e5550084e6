/**
 * Orders whose amount is unknown in the shop currency (another currency and no rate):
 * they count for recency and frequency, add nothing to spend, and are reported apart.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scoreCustomers } from "./engine";
import type { CanonicalOrder } from "./order";
import { applyRules } from "./rules";
import { DEFAULT_SETTINGS, countingRulesSchema } from "./settings";
import { lineItem, order } from "./test/fixtures";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const RULES = countingRulesSchema.parse({ lookbackDays: null });

/** A EUR order with no rate, as a platform maps it: lines carry no money, the header its own figures. */
function unknownAmount(overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  return order({
    currency: "EUR",
    amountUnknown: true,
    lineItems: [lineItem(0, { unitPriceMinor: 0 })],
    totalMinor: 3740,
    ...overrides,
  });
}

describe("GIVEN an order in another currency without a rate", () => {
  it("WHEN the default rules run THEN it counts on its day for nothing, is not a $0 order, and the report counts it on its own line", () => {
    const { counted, report } = applyRules([unknownAmount({ customerKey: "eu", processedAt: "2024-12-01T10:00:00Z" })], RULES, AS_OF);
    expect(counted).toEqual([{ customerKey: "eu", day: Date.UTC(2024, 11, 1) / 86_400_000, amountMinor: 0 }]);
    expect(report.amountUnknown).toEqual({ orders: 1 });
    expect(report.removed.every((r) => r.orders === 0 && r.lineItems === 0)).toBe(true);
    expect(report.counted).toMatchObject({ orders: 1, customers: 1, revenueMinor: 0 });
  });

  it("WHEN it was refunded in full (in its own currency) THEN it is removed as refunded in full; a partial refund changes nothing", () => {
    const full = applyRules([unknownAmount({ refundedMinor: 3740 })], RULES, AS_OF);
    expect(full.counted).toEqual([]);
    expect(full.report.removed.find((r) => r.rule === "refundedInFull")?.orders).toBe(1);
    expect(full.report.amountUnknown.orders).toBe(0);
    const partial = applyRules([unknownAmount({ refundedMinor: 1000 })], RULES, AS_OF);
    expect(partial.counted.map((c) => c.amountMinor)).toEqual([0]);
    expect(partial.report.refunds).toEqual({ orders: 0, revenueMinor: 0 });
  });

  it("WHEN its only lines are subscription lines THEN the subscription rule still removes it", () => {
    const { counted, report } = applyRules([unknownAmount({ lineItems: [lineItem(0, { subscription: true })] })], RULES, AS_OF);
    expect(counted).toEqual([]);
    expect(report.removed.find((r) => r.rule === "subscriptionItems")?.orders).toBe(1);
  });

  it("WHEN a customer's only orders are such orders THEN they get R and F from them and M from zero spend", () => {
    const shop = [
      ...[1, 2, 3, 4, 5, 6].map((k) => order({ customerKey: `usd${k}`, processedAt: `2024-0${k}-10T10:00:00Z`, amountMinor: k * 5_000 })),
      unknownAmount({ customerKey: "eu", processedAt: "2024-12-20T10:00:00Z" }),
      unknownAmount({ customerKey: "eu", processedAt: "2024-12-27T10:00:00Z" }),
      unknownAmount({ customerKey: "eu", processedAt: "2024-12-29T10:00:00Z" }),
    ];
    const eu = scoreCustomers(shop, DEFAULT_SETTINGS, AS_OF).customers.find((c) => c.customerKey === "eu");
    expect(eu?.metrics).toMatchObject({ recencyDays: 2, frequency: 3, monetaryMinor: 0 });
    expect(eu?.r).toBe(5);
    expect(eu?.m).toBe(1);
  });
});

describe("GIVEN any mix of orders", () => {
  const anyOrder = fc
    .record({
      customer: fc.constantFrom("a", "b", "c"),
      day: fc.integer({ min: 1, max: 28 }),
      lines: fc.array(fc.record({ total: fc.integer({ min: 0, max: 5_000 }), subscription: fc.boolean() }), { minLength: 0, maxLength: 3 }),
      refundedShare: fc.constantFrom(0, 0.5, 1),
      unknown: fc.boolean(),
    })
    .map(({ customer, day, lines, refundedShare, unknown }) => {
      const lineItems = lines.map((l) => lineItem(unknown ? 0 : l.total, { subscription: l.subscription }));
      const total = lines.reduce((s, l) => s + l.total, 0);
      return order({
        customerKey: customer,
        processedAt: `2024-11-${String(day).padStart(2, "0")}T12:00:00Z`,
        lineItems,
        totalMinor: total,
        refundedMinor: Math.round(total * refundedShare),
        amountUnknown: unknown,
      });
    });

  it("WHEN the rules run THEN an unknown-amount order adds 0 to spend, the $0 rule never takes it, and it counts whenever the same order with money would, bar $0 lines", () => {
    fc.assert(
      fc.property(fc.array(anyOrder, { maxLength: 12 }), (orders) => {
        const { counted, report } = applyRules(orders, RULES, AS_OF);
        const unknownCounted = orders.filter((o) => o.amountUnknown);
        // Every order is counted once or removed once.
        const removedOrders = report.removed.reduce((s, r) => s + r.orders, 0);
        expect(removedOrders + report.counted.orders).toBe(orders.length);
        // Unknown-amount orders never reach the spend.
        const known = applyRules(orders.filter((o) => !o.amountUnknown), RULES, AS_OF);
        expect(report.counted.revenueMinor).toBe(known.report.counted.revenueMinor);
        expect(report.counted.orders).toBe(known.report.counted.orders + report.amountUnknown.orders);
        expect(report.amountUnknown.orders).toBeLessThanOrEqual(unknownCounted.length);
        // Each unknown-amount order is counted unless it has no non-subscription line or was refunded in full.
        const expectedUnknown = unknownCounted.filter(
          (o) => o.lineItems.some((l) => !l.subscription) && !(o.refundedMinor > 0 && o.refundedMinor >= o.totalMinor),
        ).length;
        expect(report.amountUnknown.orders).toBe(expectedUnknown);
        expect(counted.filter((c) => c.amountMinor === 0).length).toBeGreaterThanOrEqual(expectedUnknown);
      }),
    );
  });
});
