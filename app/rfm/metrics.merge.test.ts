import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeSameDayOrders } from "./metrics";

/** The documented rule the slow obvious way: one order per (customer, day), amounts summed, first-seen order kept. */
function mergedByHand(rows: readonly { c: number; day: number; amount: number }[]) {
  const out = new Map<string, { c: number; day: number; amount: number }>();
  for (const r of rows) {
    const key = `${r.c}:${r.day}`;
    const seen = out.get(key);
    if (seen) seen.amount += r.amount;
    else out.set(key, { ...r });
  }
  return [...out.values()];
}

describe("GIVEN purchase lines logged one row each (several rows per shopping trip)", () => {
  it("PROPERTY: merging gives one order per customer and day, amounts summed, in first-seen order — whatever the order of rows and the range of days", () => {
    const row = fc.record({ c: fc.integer({ min: 0, max: 5 }), day: fc.integer({ min: -40, max: 40 }), amount: fc.integer({ min: 1, max: 10_000 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const merged = mergeSameDayOrders({
          customerCount: 6,
          customerIndex: Int32Array.from(rows, (r) => r.c),
          day: Int32Array.from(rows, (r) => r.day),
          amountMinor: Float64Array.from(rows, (r) => r.amount),
        });
        const got = Array.from(merged.day, (day, i) => ({ c: merged.customerIndex[i], day, amount: merged.amountMinor[i] }));
        expect(got).toEqual(mergedByHand(rows));
        expect(merged.customerCount).toBe(6);
      }),
    );
  });

  it("WHEN all orders fall on two adjacent days THEN customer 0's second day and customer 2's first stay two orders", () => {
    const merged = mergeSameDayOrders({
      customerCount: 3,
      customerIndex: Int32Array.from([0, 2]),
      day: Int32Array.from([1, 0]),
      amountMinor: Float64Array.from([100, 200]),
    });
    expect([...merged.customerIndex]).toEqual([0, 2]);
    expect([...merged.amountMinor]).toEqual([100, 200]);
  });

  it("WHEN the latest day comes first and two customers' days would line up THEN they are still kept apart", () => {
    // Customer 0 on day 10, customer 1 on day 0: with a span computed from the wrong end
    // the two could share a key and be merged into one order.
    const merged = mergeSameDayOrders({
      customerCount: 2,
      customerIndex: Int32Array.from([0, 1, 0, 1]),
      day: Int32Array.from([10, 0, 10, 5]),
      amountMinor: Float64Array.from([100, 200, 300, 400]),
    });
    expect([...merged.customerIndex]).toEqual([0, 1, 1]);
    expect([...merged.day]).toEqual([10, 0, 5]);
    expect([...merged.amountMinor]).toEqual([400, 200, 400]);
  });
});
