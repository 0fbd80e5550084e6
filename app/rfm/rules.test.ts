import { describe, expect, it } from "vitest";
import { applyRules, type RulesReport } from "./rules";
import { DEFAULT_SETTINGS, type CountingRules } from "./settings";
import { utcDay } from "./days";
import { lineItem, loadOnlineRetailOrders, order } from "./test/fixtures";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const rules = (overrides: Partial<CountingRules> = {}): CountingRules => ({ ...DEFAULT_SETTINGS.rules, ...overrides });
const effect = (report: RulesReport, rule: string) => report.removed.find((r) => r.rule === rule)!;

/** Everything that came in is either removed by a rule, netted as refund, or counted. */
function expectRevenueReconciles(report: RulesReport) {
  const removed = report.removed.reduce((sum, r) => sum + r.revenueMinor, 0);
  expect(removed + report.refunds.revenueMinor + report.counted.revenueMinor).toBe(report.input.revenueMinor);
  const ordersRemoved = report.removed.reduce((sum, r) => sum + r.orders, 0);
  expect(ordersRemoved + report.counted.orders).toBe(report.input.orders);
}

describe("GIVEN whole-order rules", () => {
  const cases: { rule: string; setting: Partial<CountingRules>; order: Parameters<typeof order>[0] }[] = [
    { rule: "test", setting: { excludeTest: true }, order: { test: true } },
    { rule: "cancelled", setting: { excludeCancelled: true }, order: { cancelled: true } },
    { rule: "subscriptionOrder", setting: { excludeSubscriptions: true }, order: { subscription: true } },
    { rule: "pos", setting: { excludePos: true }, order: { pos: true, channel: "pos" } },
    { rule: "excludedChannel", setting: { excludedChannels: ["Wholesale"] }, order: { channel: "wholesale" } },
    { rule: "excludedTag", setting: { excludedTags: ["staff"] }, order: { tags: ["VIP", "Staff"] } },
  ];
  for (const c of cases) {
    it(`WHEN the ${c.rule} rule is on THEN the order does not count and the rule gets the order, customer and revenue`, () => {
      const { counted, report } = applyRules([order({ ...c.order, amountMinor: 2500 })], rules(c.setting), AS_OF);
      expect(counted).toEqual([]);
      expect(effect(report, c.rule)).toMatchObject({ applies: true, orders: 1, customers: 1, revenueMinor: 2500 });
      expect(report.customersWithoutCountedOrders).toBe(1);
      expectRevenueReconciles(report);
    });
  }

  it("WHEN the rules are off THEN the same orders count", () => {
    const off = rules({ excludeTest: false, excludeCancelled: false, excludeSubscriptions: false, excludePos: false });
    const { counted, report } = applyRules(cases.map((c) => order(c.order)), off, AS_OF);
    expect(counted).toHaveLength(cases.length);
    expect(effect(report, "pos").applies).toBe(false);
  });

  it("WHEN an order has no customer key THEN it never counts, whatever the settings", () => {
    const { counted, report } = applyRules([order({ customerKey: null, amountMinor: 700 })], rules(), AS_OF);
    expect(counted).toEqual([]);
    expect(effect(report, "noCustomer")).toMatchObject({ orders: 1, customers: 0, revenueMinor: 700 });
    expect(report.input.customers).toBe(0);
  });

  it("WHEN an order was placed after the as-of day THEN it does not count (a past as-of must not see the future)", () => {
    const onAsOfDay = order({ processedAt: "2024-12-31T23:59:59Z" });
    const nextDay = order({ processedAt: "2025-01-01T00:00:00Z" });
    const { counted, report } = applyRules([onAsOfDay, nextDay], rules(), AS_OF);
    expect(counted).toHaveLength(1);
    expect(effect(report, "placedAfterAsOf").orders).toBe(1);
  });

  it("WHEN an order's date cannot be read THEN it is set aside under its own rule", () => {
    const { report } = applyRules([order({ processedAt: "yesterday" })], rules(), AS_OF);
    expect(effect(report, "unreadableDate").orders).toBe(1);
  });

  it("WHEN several rules match one order THEN only the first in the documented order gets the credit", () => {
    const { report } = applyRules([order({ test: true, cancelled: true, pos: true, tags: ["staff"] })], rules({ excludedTags: ["staff"] }), AS_OF);
    expect(effect(report, "test").orders).toBe(1);
    expect(effect(report, "cancelled").orders).toBe(0);
    expect(effect(report, "pos").orders).toBe(0);
    expect(effect(report, "excludedTag").orders).toBe(0);
  });

  it("WHEN a customer loses orders to two different rules THEN no single rule is blamed for that customer", () => {
    const { report } = applyRules([order({ test: true }), order({ cancelled: true }), order({ customerKey: "c2", test: true })], rules(), AS_OF);
    expect(effect(report, "test").customers).toBe(1); // c2 only
    expect(effect(report, "cancelled").customers).toBe(0);
    expect(report.customersLostToSeveralRules).toBe(1);
    expect(report.customersWithoutCountedOrders).toBe(2);
  });

  it("WHEN a customer keeps one counted order THEN rules that removed their other orders do not count them as lost", () => {
    const { report } = applyRules([order({ test: true }), order()], rules(), AS_OF);
    expect(effect(report, "test")).toMatchObject({ orders: 1, customers: 0 });
    expect(report.counted.customers).toBe(1);
  });
});

describe("GIVEN line-level rules", () => {
  it("WHEN an order mixes paid, $0 and subscription items THEN only the paid items are counted", () => {
    const o = order({ lineItems: [lineItem(3000), lineItem(0), lineItem(1500, { subscription: true })] });
    const { counted, report } = applyRules([o], rules(), AS_OF);
    expect(counted).toEqual([{ customerKey: "c1", day: utcDay(o.processedAt), amountMinor: 3000 }]);
    expect(effect(report, "zeroPriceItems")).toMatchObject({ orders: 0, lineItems: 1, revenueMinor: 0 });
    expect(effect(report, "subscriptionItems")).toMatchObject({ orders: 0, lineItems: 1, revenueMinor: 1500 });
    expectRevenueReconciles(report);
  });

  it("WHEN all items of an order are $0 THEN the order does not count and $0 items get the credit", () => {
    const { counted, report } = applyRules([order({ lineItems: [lineItem(0), lineItem(0)] })], rules(), AS_OF);
    expect(counted).toEqual([]);
    expect(effect(report, "zeroPriceItems")).toMatchObject({ orders: 1, lineItems: 2, customers: 1 });
  });

  it("WHEN the $0 rule is off THEN a $0-only order counts as an order worth 0", () => {
    const { counted } = applyRules([order({ lineItems: [lineItem(0)] })], rules({ excludeZeroPriceItems: false }), AS_OF);
    expect(counted).toHaveLength(1);
    expect(counted[0].amountMinor).toBe(0);
  });

  it("WHEN every item is a subscription item THEN subscription items get the order", () => {
    const { report } = applyRules([order({ lineItems: [lineItem(900, { subscription: true })] })], rules(), AS_OF);
    expect(effect(report, "subscriptionItems")).toMatchObject({ orders: 1, customers: 1, revenueMinor: 900 });
  });

  it("WHEN subscription items go first and only $0 items are left THEN the $0 rule, which empties the order, gets it", () => {
    const { report } = applyRules([order({ lineItems: [lineItem(900, { subscription: true }), lineItem(0)] })], rules(), AS_OF);
    expect(effect(report, "subscriptionItems")).toMatchObject({ orders: 0, lineItems: 1, revenueMinor: 900 });
    expect(effect(report, "zeroPriceItems")).toMatchObject({ orders: 1, lineItems: 1 });
  });

  it("WHEN an order has no line items THEN it does not count", () => {
    const { report } = applyRules([order({ lineItems: [] })], rules({ excludeZeroPriceItems: false }), AS_OF);
    expect(effect(report, "noItems").orders).toBe(1);
  });
});

describe("GIVEN refunds", () => {
  it("WHEN part of an order is refunded and every item counts THEN the refund is subtracted", () => {
    const { counted, report } = applyRules([order({ lineItems: [lineItem(6000), lineItem(4000)], refundedMinor: 4000 })], rules(), AS_OF);
    expect(counted[0].amountMinor).toBe(6000);
    expect(report.refunds).toEqual({ orders: 1, revenueMinor: 4000 });
    expectRevenueReconciles(report);
  });

  it("WHEN some items don't count THEN only the counted items' proportional share of the refund is subtracted", () => {
    // 6000 counted of 10000 items: 60 % of the 5000 refund = 3000.
    const o = order({ lineItems: [lineItem(6000), lineItem(4000, { subscription: true })], refundedMinor: 5000 });
    const { counted, report } = applyRules([o], rules(), AS_OF);
    expect(counted[0].amountMinor).toBe(3000);
    expectRevenueReconciles(report);
  });

  it("WHEN a refund covers the whole order (even with shipping on top) THEN the order does not count", () => {
    const { counted, report } = applyRules([order({ amountMinor: 2000, refundedMinor: 2500 })], rules(), AS_OF);
    expect(counted).toEqual([]);
    expect(effect(report, "refundedInFull")).toMatchObject({ orders: 1, customers: 1, revenueMinor: 2000 });
    expectRevenueReconciles(report);
  });

  it("WHEN netting refunds is off THEN refunds are ignored", () => {
    const { counted } = applyRules([order({ amountMinor: 2000, refundedMinor: 2000 })], rules({ netRefunds: false }), AS_OF);
    expect(counted[0].amountMinor).toBe(2000);
  });
});

describe("GIVEN a lookback window", () => {
  it("WHEN a customer's counted orders all lie before it THEN they still count and the report says they will be Lost", () => {
    const old = order({ customerKey: "old", processedAt: "2022-01-01T00:00:00Z", amountMinor: 800 });
    const recent = order({ customerKey: "new", processedAt: "2024-12-01T00:00:00Z" });
    const both = [order({ customerKey: "mixed", processedAt: "2022-01-01T00:00:00Z" }), order({ customerKey: "mixed", processedAt: "2024-11-01T00:00:00Z" })];
    const { counted, report } = applyRules([old, recent, ...both], rules({ lookbackDays: 365 }), AS_OF);
    expect(counted).toHaveLength(4);
    expect(report.lookbackWindow).toMatchObject({ lookbackDays: 365, ordersBefore: 2, customersOnlyBefore: 1 });
    expect(report.lookbackWindow.startDay).toBe(utcDay(AS_OF) - 364);
  });

  it("WHEN an order is exactly lookbackDays − 1 days old THEN it is inside; one day older is outside", () => {
    const inside = order({ customerKey: "a", processedAt: "2024-01-02T10:00:00Z" }); // 364 days before 2024-12-31
    const outside = order({ customerKey: "b", processedAt: "2024-01-01T10:00:00Z" });
    const { report } = applyRules([inside, outside], rules({ lookbackDays: 365 }), AS_OF);
    expect(report.lookbackWindow.ordersBefore).toBe(1);
    expect(report.lookbackWindow.customersOnlyBefore).toBe(1);
  });
});

describe("GIVEN the UCI Online Retail sample grouped into invoices", () => {
  const asOf = new Date("2011-12-10T00:00:00Z");

  it("WHEN the default rules run THEN credit notes, guests and the accounting reconcile", () => {
    const orders = loadOnlineRetailOrders();
    expect(orders).toHaveLength(2231);
    const { counted, report } = applyRules(orders, rules({ lookbackDays: null }), asOf);
    const guestInvoices = orders.filter((o) => o.customerKey === null).length;
    const creditNotes = orders.filter((o) => o.customerKey !== null && o.id.startsWith("C")).length;
    expect(effect(report, "noCustomer").orders).toBe(guestInvoices);
    expect(effect(report, "cancelled").orders).toBe(creditNotes);
    expect(creditNotes).toBeGreaterThan(0);
    expect(counted.length).toBe(orders.length - guestInvoices - creditNotes);
    expect(counted.every((o) => o.amountMinor > 0)).toBe(true);
    expectRevenueReconciles(report);
  });

  it("WHEN guests are identified per invoice THEN $0 stock adjustments are removed by the $0 rule", () => {
    const orders = loadOnlineRetailOrders({ guestsByInvoice: true });
    const zeroLines = orders.flatMap((o) => (o.cancelled ? [] : o.lineItems)).filter((li) => li.totalMinor === 0).length;
    expect(zeroLines).toBe(11);
    const { report } = applyRules(orders, rules({ lookbackDays: null }), asOf);
    expect(effect(report, "zeroPriceItems").lineItems).toBe(zeroLines);
    expect(effect(report, "zeroPriceItems").orders).toBeGreaterThan(0); // single-line $0 invoices
    expect(report.counted.guestCustomers).toBeGreaterThan(0);
    expectRevenueReconciles(report);
  });
});
