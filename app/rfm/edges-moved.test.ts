import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customersMovedByEdges, scoreCountedOrders } from "./engine";
import type { CountedOrderColumns } from "./metrics";
import { DEFAULT_SETTINGS, parseSettings, type RfmSettings } from "./settings";
import { utcDay } from "./days";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const TODAY = utcDay(AS_OF);

/** Counted orders as columns: customer c's orders as [days ago, amount]. */
function columns(customers: [daysAgo: number, amountMinor: number][][]): CountedOrderColumns {
  const index: number[] = [];
  const day: number[] = [];
  const amount: number[] = [];
  customers.forEach((orders, c) =>
    orders.forEach(([ago, minor]) => {
      index.push(c);
      day.push(TODAY - ago);
      amount.push(minor);
    }),
  );
  return { customerCount: customers.length, customerIndex: Int32Array.from(index), day: Int32Array.from(day), amountMinor: Float64Array.from(amount) };
}

const customersArb = fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 100, max: 50_000 })), { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 40 });

describe("which customers other edges would score otherwise (decision 059)", () => {
  it("GIVEN customers scored by their own quintile edges WHEN asked about those same edges, as the scoring report gives them THEN nobody moves", () => {
    fc.assert(
      fc.property(customersArb, fc.constantFrom<RfmSettings>(DEFAULT_SETTINGS, parse({ rules: { lookbackDays: 365 } })), (customers, settings) => {
        const scored = scoreCountedOrders(columns(customers), settings, AS_OF);
        const { r, f, m } = scored.report.scoring;
        expect(customersMovedByEdges(scored, settings.scoring, { r: r.edges, f: f.edges, m: m.edges })).toEqual([]);
      }),
    );
  });

  it("GIVEN stored M edges one step higher WHEN asked THEN the customers between the old and the new edge move", () => {
    // GIVEN ten customers spending 1…10 (×100) once, yesterday
    const scored = scoreCountedOrders(columns(Array.from({ length: 10 }, (_, i) => [[1, (i + 1) * 100]])), DEFAULT_SETTINGS, AS_OF);
    const { r, f, m } = scored.report.scoring;
    const raised = m.edges.map((e) => (e === null ? null : e + 100));
    // WHEN the stored edges put each M edge 100 higher
    const moved = customersMovedByEdges(scored, DEFAULT_SETTINGS.scoring, { r: r.edges, f: f.edges, m: raised });
    // THEN the customer sitting on each edge drops a score, nobody else
    expect(moved.map((c) => (c + 1) * 100)).toEqual(m.edges.filter((e): e is number => e !== null));
  });
});

function parse(input: unknown): RfmSettings {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
}

