import { beforeEach, describe, expect, it } from "vitest";
import { computeMetrics, countedOrderColumns, customerMetrics, mergeSameDayOrders } from "./metrics";
import { utcDay } from "./days";

const day = (iso: string) => utcDay(`${iso}T00:00:00Z`);
const AS_OF = day("2024-12-31");

describe("GIVEN counted orders of a few customers", () => {
  // Built in each test so mutation testing sees which test reaches which code.
  let columns: ReturnType<typeof countedOrderColumns>["columns"];
  let customerKeys: ReturnType<typeof countedOrderColumns>["customerKeys"];
  beforeEach(() => {
    ({ columns, customerKeys } = countedOrderColumns([
      { customerKey: "ann", day: day("2024-03-01"), amountMinor: 1000 },
      { customerKey: "bob", day: day("2024-12-31"), amountMinor: 4000 },
      { customerKey: "ann", day: day("2024-12-01"), amountMinor: 2001 },
      { customerKey: "ann", day: day("2024-06-01"), amountMinor: 3000 },
    ]));
  });

  it("WHEN aggregated THEN recency, frequency, monetary, first/last order, AOV and lifetime follow", () => {
    const metrics = computeMetrics(columns, AS_OF, null);
    expect(customerKeys).toEqual(["ann", "bob"]);
    expect(customerMetrics(metrics, 0)).toEqual({
      recencyDays: 30,
      frequency: 3,
      monetaryMinor: 6001,
      firstOrderAt: "2024-03-01",
      lastOrderAt: "2024-12-01",
      aovMinor: 2000,
      lifetimeDays: 275,
    });
    expect(customerMetrics(metrics, 1)).toMatchObject({ recencyDays: 0, frequency: 1, lifetimeDays: 0 });
  });

  it("WHEN a lookback window cuts off older orders THEN window metrics use only window orders", () => {
    const metrics = computeMetrics(columns, AS_OF, day("2024-05-01"));
    expect(customerMetrics(metrics, 0)).toMatchObject({ frequency: 2, monetaryMinor: 5001, firstOrderAt: "2024-06-01" });
    expect(metrics.orders).toEqual({ inWindow: 3, beforeWindow: 1, afterAsOf: 0 });
  });

  it("WHEN every order of a customer lies before the window THEN the metrics describe that history and inWindow is 0", () => {
    const metrics = computeMetrics(columns, AS_OF, day("2024-12-31"));
    expect(metrics.inWindow[0]).toBe(0);
    expect(customerMetrics(metrics, 0)).toMatchObject({ frequency: 3, recencyDays: 30 });
    expect(metrics.inWindow[1]).toBe(1);
  });

  it("WHEN an order lies after the as-of day THEN it is ignored and counted as such", () => {
    const metrics = computeMetrics(columns, day("2024-11-30"), null);
    expect(metrics.orders.afterAsOf).toBe(2);
    expect(customerMetrics(metrics, 1)).toBeNull();
  });

  it("WHEN a customer index is out of range THEN it fails loudly instead of scoring garbage", () => {
    expect(() => computeMetrics({ ...columns, customerCount: 1 }, AS_OF, null)).toThrow(RangeError);
  });
});

describe("GIVEN purchase lines logged one per row (like CDNOW)", () => {
  it("WHEN same-day rows are merged THEN one order per customer-day remains with the summed amount", () => {
    const merged = mergeSameDayOrders({
      customerCount: 2,
      customerIndex: Int32Array.from([0, 0, 1, 0]),
      day: Int32Array.from([10, 10, 10, 11]),
      amountMinor: Float64Array.from([100, 250, 70, 5]),
    });
    expect([...merged.customerIndex]).toEqual([0, 1, 0]);
    expect([...merged.day]).toEqual([10, 10, 11]);
    expect([...merged.amountMinor]).toEqual([350, 70, 5]);
  });
});

describe("GIVEN columns that do not fit together", () => {
  it("WHEN their lengths differ or a customer index is out of range THEN computing refuses with a RangeError that says so", () => {
    const base = { customerCount: 1, customerIndex: Int32Array.from([0]), day: Int32Array.from([AS_OF]), amountMinor: Float64Array.from([1]) };
    expect(() => computeMetrics({ ...base, day: new Int32Array(2) }, AS_OF, null)).toThrow(
      new RangeError("customerIndex, day and amountMinor must have the same length"),
    );
    expect(() => computeMetrics({ ...base, amountMinor: new Float64Array(0) }, AS_OF, null)).toThrow(RangeError);
    expect(() => computeMetrics({ ...base, customerIndex: Int32Array.from([-1]) }, AS_OF, null)).toThrow(new RangeError("order 0: customer index -1 out of range"));
    expect(() => computeMetrics({ ...base, customerIndex: Int32Array.from([1]) }, AS_OF, null)).toThrow(new RangeError("order 0: customer index 1 out of range"));
    expect(computeMetrics(base, AS_OF, null).frequency[0]).toBe(1);
  });
});
