/** Unpaid orders are not a purchase, and the report tells them apart from cancellations. */
import { describe, expect, it } from "vitest";
import { applyRules } from "./rules";
import { countingRulesSchema } from "./settings";
import { order } from "./test/fixtures";

const AS_OF = new Date("2024-12-31T00:00:00Z");

describe("GIVEN a paid, a cancelled and two unpaid orders", () => {
  const orders = () => [
    order({ customerKey: "paid" }),
    order({ customerKey: "called-off", cancelled: true }),
    order({ customerKey: "abandoned", unpaid: true, amountMinor: 2_500 }),
    order({ customerKey: "abandoned", unpaid: true, amountMinor: 1_500 }),
  ];
  const removed = (report: ReturnType<typeof applyRules>["report"], rule: string) => report.removed.find((r) => r.rule === rule);

  it("WHEN the default rules run THEN unpaid orders are reported as not a purchase, apart from the cancelled one", () => {
    const { counted, report } = applyRules(orders(), countingRulesSchema.parse({}), AS_OF);
    expect(counted.map((c) => c.customerKey)).toEqual(["paid"]);
    expect(removed(report, "cancelled")).toMatchObject({ orders: 1, customers: 1, revenueMinor: 1_000 });
    expect(removed(report, "unpaid")).toMatchObject({ label: "Not a purchase (unpaid)", applies: true, orders: 2, customers: 1, revenueMinor: 4_000 });
  });

  it("WHEN the merchant counts cancelled orders THEN an unpaid order still never counts", () => {
    const { counted, report } = applyRules(orders(), countingRulesSchema.parse({ excludeCancelled: false }), AS_OF);
    expect(counted.map((c) => c.customerKey)).toEqual(["paid", "called-off"]);
    expect(removed(report, "unpaid")?.orders).toBe(2);
  });
});
