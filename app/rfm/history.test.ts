import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcDay } from "./days";
import { NO_PERSONA, scoreCountedOrders, type ScoredCustomerColumns } from "./engine";
import { backdatedHistory, instantOnDay, scoreAsOfDay, type HistoryMove } from "./history";
import { ScoringBuffers, type CountedOrderColumns } from "./metrics";
import { parseSettings, type RfmSettings, type RfmSettingsInput } from "./settings";
import { shopDayOf } from "./zoned-days";

const AS_OF = new Date("2026-11-30T15:00:00Z");
const TODAY = utcDay(AS_OF);

const settingsWith = (input: RfmSettingsInput): RfmSettings => {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
};

interface Order {
  customer: number;
  day: number;
  amountMinor: number;
}

/** Counted orders in columns, customers indexed in order of first appearance (as a read of the store does). */
function columnsOf(orders: readonly Order[]): { columns: CountedOrderColumns; keys: number[] } {
  const index = new Map<number, number>();
  const keys: number[] = [];
  const customerIndex = new Int32Array(orders.length);
  orders.forEach((o, i) => {
    let c = index.get(o.customer);
    if (c === undefined) index.set(o.customer, (c = keys.push(o.customer) - 1));
    customerIndex[i] = c;
  });
  return {
    columns: {
      customerCount: keys.length,
      customerIndex,
      day: Int32Array.from(orders, (o) => o.day),
      amountMinor: Float64Array.from(orders, (o) => o.amountMinor),
    },
    keys,
  };
}

/** Persona slug per customer key ("-" = none). */
function personaByKey(scored: ScoredCustomerColumns, keys: readonly number[]): Map<number, string> {
  return new Map(keys.map((k, c) => [k, scored.persona[c] === NO_PERSONA ? "-" : scored.personas[scored.persona[c]].slug]));
}

const counts = (scored: ScoredCustomerColumns) => scored.report.personas.map(({ slug, customers, orders, revenueMinor }) => ({ slug, customers, orders, revenueMinor }));

const ordersArb = fc.array(
  fc.record({
    customer: fc.integer({ min: 0, max: 40 }),
    day: fc.integer({ min: TODAY - 700, max: TODAY }),
    amountMinor: fc.integer({ min: 1, max: 50_000 }),
  }),
  { minLength: 1, maxLength: 160 },
);
const lookbackArb = fc.oneof(fc.constant(null), fc.integer({ min: 30, max: 500 }));

describe("scoring as of a past day", () => {
  it("GIVEN any orders WHEN scored as of a past day D from every order up to today THEN it equals a recompute on day D that saw only the orders placed by D (property)", () => {
    fc.assert(
      fc.property(ordersArb, lookbackArb, fc.integer({ min: 0, max: 700 }), (orders, lookbackDays, back) => {
        const settings = settingsWith({ rules: { lookbackDays } });
        const day = TODAY - back;
        const all = columnsOf(orders);
        const thenKnown = columnsOf(orders.filter((o) => o.day <= day));

        const backdated = scoreAsOfDay(all.columns, settings, day);
        const live = scoreCountedOrders(thenKnown.columns, settings, instantOnDay(day));

        expect(counts(backdated)).toEqual(counts(live));
        const backdatedPersonas = personaByKey(backdated, all.keys);
        for (const [key, persona] of personaByKey(live, thenKnown.keys)) expect(backdatedPersonas.get(key)).toBe(persona);
        // Customers whose first order came after D have no persona yet.
        const known = new Set(thenKnown.keys);
        for (const key of all.keys) if (!known.has(key)) expect(backdatedPersonas.get(key)).toBe("-");
      }),
      { numRuns: 200 },
    );
  });

  it("GIVEN any orders WHEN the backdated snapshot is taken for today THEN it is the live recompute's, customer for customer (property)", () => {
    fc.assert(
      fc.property(ordersArb, lookbackArb, fc.constantFrom(null, "America/New_York", "Pacific/Kiritimati", "Asia/Kolkata"), (orders, lookbackDays, timeZone) => {
        const settings = settingsWith({ rules: { lookbackDays } });
        const { columns } = columnsOf(orders);
        const today = shopDayOf(timeZone)(AS_OF);

        const backdated = scoreAsOfDay(columns, settings, today, { timeZone });
        const live = scoreCountedOrders(columns, settings, AS_OF, { timeZone });

        expect(backdated.report).toEqual(live.report);
        expect(Array.from(backdated.persona)).toEqual(Array.from(live.persona));
      }),
      { numRuns: 100 },
    );
  });

  it("GIVEN any orders WHEN past days are scored one after another into the same buffers THEN each run equals one with arrays of its own, and each reuses the last one's arrays (property)", () => {
    fc.assert(
      fc.property(ordersArb, lookbackArb, fc.boolean(), fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 2, maxLength: 6 }), (orders, lookbackDays, composite, backs) => {
        const settings = settingsWith({ rules: { lookbackDays }, scoring: composite ? { composite: { f: 1, m: 2 } } : {} });
        const { columns } = columnsOf(orders);
        const buffers = new ScoringBuffers();
        let last: ScoredCustomerColumns | null = null;
        for (const back of backs) {
          const reused = scoreAsOfDay(columns, settings, TODAY - back, { buffers });
          const fresh = scoreAsOfDay(columns, settings, TODAY - back);
          expect(reused.report).toEqual(fresh.report);
          for (const column of ["persona", "r", "f", "m", "fm"] as const) expect(reused[column] && Array.from(reused[column])).toEqual(fresh[column] && Array.from(fresh[column]));
          for (const column of ["frequency", "monetaryMinor", "firstDay", "lastDay", "recencyDays", "inWindow"] as const) {
            expect(Array.from(reused.metrics[column])).toEqual(Array.from(fresh.metrics[column]));
          }
          if (last !== null) {
            expect(reused.persona.buffer).toBe(last.persona.buffer);
            expect(reused.r.buffer).toBe(last.r.buffer);
            expect(reused.metrics.monetaryMinor.buffer).toBe(last.metrics.monetaryMinor.buffer);
          }
          last = reused;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("GIVEN a zone far from UTC WHEN an instant is asked for a shop day THEN the zone calls that instant that day", () => {
    for (const zone of [null, "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"]) {
      for (const day of [TODAY, TODAY - 120, TODAY - 364]) expect(shopDayOf(zone)(instantOnDay(day, zone))).toBe(day);
    }
  });
});

/** Per persona: customers at a point, from a count table. */
function applyMoves(before: Map<string, number>, moves: readonly HistoryMove[]): Map<string, number> {
  const after = new Map(before);
  for (const m of moves) {
    if (m.from !== "") after.set(m.from, (after.get(m.from) ?? 0) - m.customers);
    if (m.to !== "") after.set(m.to, (after.get(m.to) ?? 0) + m.customers);
  }
  for (const [slug, n] of after) if (n === 0) after.delete(slug);
  return after;
}
const sizes = (personas: readonly { slug: string; customers: number }[]) =>
  new Map(personas.filter((p) => p.customers > 0).map((p) => [p.slug, p.customers]));

describe("weekly history", () => {
  it("GIVEN any orders WHEN the history is computed THEN points are a week apart before today, each point's sizes are the previous sizes plus the moves, and the last point plus its moves is today (property)", () => {
    fc.assert(
      fc.property(ordersArb, lookbackArb, (orders, lookbackDays) => {
        const settings = settingsWith({ rules: { lookbackDays } });
        const { columns } = columnsOf(orders);
        const live = scoreCountedOrders(columns, settings, AS_OF);

        const { points, movesToAsOf } = backdatedHistory(columns, settings, AS_OF, { live });

        expect(points.length).toBeLessThanOrEqual(51);
        points.forEach((p, i) => {
          expect(TODAY - p.day).toBe(7 * (points.length - i));
          expect(counts(scoreAsOfDay(columns, settings, p.day))).toEqual(p.personas.map(({ slug, customers, orders, revenueMinor }) => ({ slug, customers, orders, revenueMinor })));
          if (i > 0) expect(applyMoves(sizes(points[i - 1].personas), p.moves)).toEqual(sizes(p.personas));
          for (const m of p.moves) expect(m.from).not.toBe(m.to);
        });
        if (points.length > 0) expect(applyMoves(sizes(points[points.length - 1].personas), movesToAsOf)).toEqual(sizes(live.report.personas));
      }),
      { numRuns: 100 },
    );
  });

  it("GIVEN a shop with orders over two years WHEN the history is computed THEN it has 51 weekly points before today: with today, 52 weeks", () => {
    const orders: Order[] = [];
    for (let d = 0; d < 730; d += 3) orders.push({ customer: d % 17, day: TODAY - d, amountMinor: 1000 + d });
    const { columns } = columnsOf(orders);

    const { points } = backdatedHistory(columns, settingsWith({}), AS_OF);

    expect(points).toHaveLength(51);
    expect(points[0].day).toBe(TODAY - 357);
    expect(points[50].day).toBe(TODAY - 7);
    expect(points[0].moves).toEqual([]); // what came before the oldest point is not known
  });

  it("GIVEN a shop whose first order was ten weeks ago WHEN the history is computed THEN it starts at the first week with a customer, who arrives new to scoring", () => {
    const orders: Order[] = [
      { customer: 1, day: TODAY - 68, amountMinor: 5000 },
      { customer: 2, day: TODAY - 30, amountMinor: 2000 },
      { customer: 1, day: TODAY - 2, amountMinor: 5000 },
    ];
    const { columns } = columnsOf(orders);

    const { points, movesToAsOf } = backdatedHistory(columns, settingsWith({}), AS_OF);

    expect(points.map((p) => TODAY - p.day)).toEqual([63, 56, 49, 42, 35, 28, 21, 14, 7]);
    expect(points[0].moves).toEqual([{ from: "", to: expect.any(String), customers: 1 }]);
    expect(points[5].moves.filter((m) => m.from === "")).toEqual([{ from: "", to: expect.any(String), customers: 1 }]);
    expect(movesToAsOf.every((m) => m.from !== "")).toBe(true);
  });

  it("GIVEN synced history that starts 60 days ago WHEN the history is computed THEN no point lies before it and nobody is called new at its first point", () => {
    const orders: Order[] = [];
    for (let d = 0; d < 60; d += 2) orders.push({ customer: d % 5, day: TODAY - d, amountMinor: 1000 });

    const { points } = backdatedHistory(columnsOf(orders).columns, settingsWith({}), AS_OF, { notBeforeDay: TODAY - 60 });

    expect(points[0].day).toBe(TODAY - 56);
    expect(points[0].moves).toEqual([]);
  });

  it("GIVEN no counted order WHEN the history is computed THEN there is none", () => {
    expect(backdatedHistory(columnsOf([]).columns, settingsWith({}), AS_OF)).toEqual({ points: [], movesToAsOf: [] });
  });
});
