/**
 * The history's sweep: metrics at rising as-of days from one pass in day order must equal
 * computeMetrics at each of those days, with and without a lookback window, however far apart
 * the days are (further than the window too, so orders arrive already before it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { windowStartDay } from "./days";
import { computeMetrics, type CountedOrderColumns } from "./metrics";
import { metricsSweep } from "./metrics-sweep";

// Few customers with many orders each, and windows shorter than the steps between days: the
// cases where orders leave a window that later orders skipped.
const order = fc.record({
  c: fc.integer({ min: 0, max: 3 }),
  day: fc.integer({ min: 100, max: 200 }),
  amount: fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constant(0), fc.integer({ min: -2_000, max: -1 })),
});

function columnsOf(orders: readonly { c: number; day: number; amount: number }[], customerCount = 5): CountedOrderColumns {
  return {
    customerCount,
    customerIndex: Int32Array.from(orders, (o) => o.c),
    day: Int32Array.from(orders, (o) => o.day),
    amountMinor: Float64Array.from(orders, (o) => o.amount),
  };
}

describe("metricsSweep", () => {
  it("GIVEN random orders, a lookback window or none, and rising as-of days WHEN swept THEN each day's metrics equal computeMetrics's for that day", () => {
    fc.assert(
      fc.property(
        fc.array(order, { maxLength: 120 }),
        fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 150 })),
        fc.integer({ min: 90, max: 210 }),
        fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 30 }),
        (orders, lookbackDays, firstDay, steps) => {
          const columns = columnsOf(orders);
          const sweep = metricsSweep(columns, lookbackDays);
          let day = firstDay;
          for (const step of steps) {
            day += step;
            expect(sweep.at(day)).toEqual(computeMetrics(columns, day, windowStartDay(day, lookbackDays)));
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("GIVEN a customer whose orders arrive already before a short window while older ones leave it WHEN swept THEN the first day in the window is the one still inside", () => {
    // Customer 0: day 100 (in the window at day 100), 103 (arrives at day 110, window 108–110:
    // straight to before), 109 (arrives inside). At day 110, day 100 leaves: first is 109, not 103.
    const columns = columnsOf([
      { c: 0, day: 100, amount: 10 },
      { c: 0, day: 103, amount: 20 },
      { c: 0, day: 109, amount: 40 },
    ], 1);
    const sweep = metricsSweep(columns, 3);
    sweep.at(100);

    const at110 = sweep.at(110);

    expect(at110.firstDay[0]).toBe(109);
    expect(at110).toEqual(computeMetrics(columns, 110, windowStartDay(110, 3)));
  });

  it("GIVEN amounts that are not whole numbers WHEN swept THEN each day is still exactly computeMetrics's", () => {
    const columns = columnsOf([
      { c: 0, day: 100, amount: 0.1 },
      { c: 0, day: 120, amount: 0.2 },
      { c: 1, day: 130, amount: 0.3 },
    ], 2);
    const sweep = metricsSweep(columns, 15);
    for (const day of [100, 121, 131, 140]) expect(sweep.at(day)).toEqual(computeMetrics(columns, day, windowStartDay(day, 15)));
  });

  it("GIVEN an as-of day earlier than the last one WHEN asked THEN it is refused", () => {
    const sweep = metricsSweep(columnsOf([{ c: 0, day: 100, amount: 1 }]), null);
    sweep.at(120);
    expect(() => sweep.at(119)).toThrow(/must rise/);
  });
});
