/**
 * The counting report a merchant reads in the settings preview: exact figures, so a
 * rule that silently stops or starts applying, or a window that counts the wrong
 * side, shows up as a wrong number.
 */
import { describe, expect, it } from "vitest";
import { applyRules, type CountingRuleId, type RulesReport } from "./rules";
import { DEFAULT_SETTINGS, type CountingRules } from "./settings";
import { order } from "./test/fixtures";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const rules = (overrides: Partial<CountingRules> = {}): CountingRules => ({ ...DEFAULT_SETTINGS.rules, ...overrides });
const effect = (report: RulesReport, rule: CountingRuleId) => report.removed.find((r) => r.rule === rule)!;
const appliesOf = (report: RulesReport) => Object.fromEntries(report.removed.map((r) => [r.rule, r.applies]));

describe("GIVEN a shop that excludes a sales channel", () => {
  it("WHEN an order has no channel at all THEN it counts and the recompute goes on", () => {
    const { counted, report } = applyRules(
      [order({ channel: null, amountMinor: 1200 }), order({ customerKey: "c2", channel: "Wholesale" }), order({ customerKey: "c3", channel: "web" })],
      rules({ excludedChannels: ["wholesale"] }),
      AS_OF,
    );
    expect(counted.map((o) => o.customerKey)).toEqual(["c1", "c3"]);
    expect(counted[0].amountMinor).toBe(1200);
    expect(effect(report, "excludedChannel")).toMatchObject({ applies: true, orders: 1, customers: 1 });
  });
});

describe("GIVEN a shop that excludes an order tag", () => {
  it("WHEN orders are untagged or carry other tags THEN they still count; only the tagged one is removed", () => {
    const { counted, report } = applyRules(
      [
        order({ customerKey: "untagged", tags: [] }),
        order({ customerKey: "other-tags", tags: ["vip", "gift"] }),
        order({ customerKey: "staff", tags: ["STAFF"] }),
      ],
      rules({ excludedTags: ["Staff"] }),
      AS_OF,
    );
    expect(counted.map((o) => o.customerKey)).toEqual(["untagged", "other-tags"]);
    expect(effect(report, "excludedTag")).toMatchObject({ applies: true, orders: 1, customers: 1, revenueMinor: 1000 });
    expect(report.counted).toMatchObject({ orders: 2, customers: 2 });
  });

  it("WHEN no tag or channel is excluded THEN tagged orders and any channel count, and both rules show as off", () => {
    const { counted, report } = applyRules([order({ tags: ["staff"], channel: "wholesale" })], rules(), AS_OF);
    expect(counted).toHaveLength(1);
    expect(effect(report, "excludedTag").applies).toBe(false);
    expect(effect(report, "excludedChannel").applies).toBe(false);
  });
});

describe("GIVEN a 365-day lookback window and orders on both sides of it", () => {
  // Two customers only before the window, one on both sides, two only inside: no figure mirrors another.
  const orders = () => [
    order({ customerKey: "old-a", processedAt: "2022-03-01T00:00:00Z", amountMinor: 100 }),
    order({ customerKey: "old-a", processedAt: "2023-03-01T00:00:00Z", amountMinor: 200 }),
    order({ customerKey: "old-b", processedAt: "2021-03-01T00:00:00Z", amountMinor: 400, refundedMinor: 150 }),
    order({ customerKey: "both", processedAt: "2023-01-01T00:00:00Z", amountMinor: 1600 }),
    order({ customerKey: "both", processedAt: "2024-11-01T00:00:00Z", amountMinor: 3200 }),
    order({ customerKey: "new-a", processedAt: "2024-12-01T00:00:00Z", amountMinor: 6400 }),
    order({ customerKey: "new-b", processedAt: "2024-06-01T00:00:00Z", amountMinor: 12800 }),
  ];

  it("WHEN the rules run THEN the report counts exactly the orders, net revenue and customers before the window", () => {
    const { counted, report } = applyRules(orders(), rules({ lookbackDays: 365 }), AS_OF);
    expect(counted).toHaveLength(7); // older orders still count: their customers are scored as Lost
    expect(report.lookbackWindow).toEqual({
      lookbackDays: 365,
      startDay: report.asOfDay - 364,
      ordersBefore: 4,
      revenueBeforeMinor: 100 + 200 + (400 - 150) + 1600,
      customersOnlyBefore: 2,
    });
    expect(report.counted).toMatchObject({ orders: 7, customers: 5, revenueMinor: 24_550 });
  });

  it("WHEN the lookback is all time THEN nothing lies before the window", () => {
    const { report } = applyRules(orders(), rules({ lookbackDays: null }), AS_OF);
    expect(report.lookbackWindow).toEqual({ lookbackDays: null, startDay: null, ordersBefore: 0, revenueBeforeMinor: 0, customersOnlyBefore: 0 });
  });
});

describe("GIVEN partial refunds and guest checkouts", () => {
  it("WHEN the rules run THEN refunded orders, refunded revenue and guest customers are counted exactly", () => {
    const { report } = applyRules(
      [
        order({ customerKey: "c1", amountMinor: 5000, refundedMinor: 1000 }),
        order({ customerKey: "c1", amountMinor: 5000, refundedMinor: 500 }),
        order({ customerKey: "c2", amountMinor: 3000 }),
        order({ customerKey: "email:a@example.com", guest: true, amountMinor: 2000, refundedMinor: 250 }),
        order({ customerKey: "email:a@example.com", guest: true, amountMinor: 2000 }),
        order({ customerKey: "email:b@example.com", guest: true, amountMinor: 2000 }),
        order({ customerKey: "email:c@example.com", guest: true, test: true }),
        order({ customerKey: "c3", amountMinor: 700, refundedMinor: 700 }),
      ],
      rules(),
      AS_OF,
    );
    expect(report.refunds).toEqual({ orders: 3, revenueMinor: 1750 });
    expect(report.counted).toEqual({ orders: 6, customers: 4, guestCustomers: 2, revenueMinor: 17_250 });
    expect(report.input).toEqual({ orders: 8, customers: 6, revenueMinor: 20_700 });
    expect(report.customersWithoutCountedOrders).toBe(2);
  });

  it("WHEN netting refunds is off THEN no refund is reported and the full-refund rule shows as off", () => {
    const { report } = applyRules([order({ amountMinor: 5000, refundedMinor: 1000 }), order({ amountMinor: 700, refundedMinor: 700 })], rules({ netRefunds: false }), AS_OF);
    expect(report.refunds).toEqual({ orders: 0, revenueMinor: 0 });
    expect(report.counted.revenueMinor).toBe(5700);
    expect(effect(report, "refundedInFull")).toMatchObject({ applies: false, orders: 0 });
  });
});

describe("GIVEN the settings preview's list of rules", () => {
  const alwaysOn = { noCustomer: true, unreadableDate: true, placedAfterAsOf: true, noItems: true };

  it("WHEN the defaults are used THEN every switchable rule shows as on except tags and channels, which list nothing", () => {
    const { report } = applyRules([], rules(), AS_OF);
    expect(appliesOf(report)).toMatchObject({
      ...alwaysOn,
      test: true,
      cancelled: true,
      subscriptionOrder: true,
      subscriptionItems: true,
      pos: true,
      zeroPriceItems: true,
      refundedInFull: true,
      excludedChannel: false,
      excludedTag: false,
    });
  });

  it("WHEN each switch is turned the other way THEN exactly its rule's flag follows", () => {
    const cases: { setting: Partial<CountingRules>; flips: CountingRuleId[] }[] = [
      { setting: { excludeTest: false }, flips: ["test"] },
      { setting: { excludeCancelled: false }, flips: ["cancelled"] },
      { setting: { excludeSubscriptions: false }, flips: ["subscriptionOrder", "subscriptionItems"] },
      { setting: { excludePos: false }, flips: ["pos"] },
      { setting: { excludeZeroPriceItems: false }, flips: ["zeroPriceItems"] },
      { setting: { netRefunds: false }, flips: ["refundedInFull"] },
      { setting: { excludedChannels: ["wholesale"] }, flips: ["excludedChannel"] },
      { setting: { excludedTags: ["staff"] }, flips: ["excludedTag"] },
    ];
    const base = appliesOf(applyRules([], rules(), AS_OF).report);
    for (const { setting, flips } of cases) {
      const flags = appliesOf(applyRules([], rules(setting), AS_OF).report);
      const changed = Object.keys(flags).filter((rule) => flags[rule] !== base[rule]);
      expect({ setting, changed }).toEqual({ setting, changed: flips });
    }
  });

  it("WHEN every switch is off THEN only the rules no merchant can turn off still apply", () => {
    const off = rules({ excludeTest: false, excludeCancelled: false, excludeSubscriptions: false, excludePos: false, excludeZeroPriceItems: false, netRefunds: false });
    const flags = appliesOf(applyRules([], off, AS_OF).report);
    expect(flags).toMatchObject({ ...alwaysOn, test: false, cancelled: false, subscriptionOrder: false, subscriptionItems: false, pos: false, zeroPriceItems: false, refundedInFull: false });
  });
});
