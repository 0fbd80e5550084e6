import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, utcDay } from "./days";
import { NO_PERSONA, scoreCountedOrders } from "./engine";
import { IncrementalScores, type CountedOrderValue } from "./incremental";
import { SortedPairs } from "./incremental-sorted";
import type { CountedOrderColumns } from "./metrics";
import { parseSettings, type RfmSettings, type RfmSettingsInput } from "./settings";

const AS_OF = new Date("2024-12-31T15:00:00Z");
const TODAY = utcDay(AS_OF);

const settingsWith = (input: RfmSettingsInput): RfmSettings => {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
};

interface Order extends CountedOrderValue {
  customer: number;
}

function columnsOf(orders: readonly Order[], customerCount: number): CountedOrderColumns {
  return {
    customerCount,
    customerIndex: Int32Array.from(orders, (o) => o.customer),
    day: Int32Array.from(orders, (o) => o.day),
    amountMinor: Float64Array.from(orders, (o) => o.amountMinor),
  };
}

interface Snapshot {
  r: number[];
  f: number[];
  m: number[];
  fm: number[] | null;
  persona: string[];
}

/** Every customer's scores and persona slug, from the incremental state. */
function snapshotOf(state: IncrementalScores): Snapshot {
  const n = state.customerCount;
  const slug = (p: number) => (p === NO_PERSONA ? "-" : state.personas[p].slug);
  return {
    r: Array.from(state.r.subarray(0, n)),
    f: Array.from(state.f.subarray(0, n)),
    m: Array.from(state.m.subarray(0, n)),
    fm: state.fm ? Array.from(state.fm.subarray(0, n)) : null,
    persona: Array.from(state.persona.subarray(0, n), slug),
  };
}

/** The same from a full score of the same counted orders. */
function fullSnapshot(orders: readonly Order[], customerCount: number, settings: RfmSettings): Snapshot {
  const full = scoreCountedOrders(columnsOf(orders, customerCount), settings, AS_OF);
  return {
    r: Array.from(full.r),
    f: Array.from(full.f),
    m: Array.from(full.m),
    fm: full.fm ? Array.from(full.fm) : null,
    persona: Array.from(full.persona, (p) => (p === NO_PERSONA ? "-" : full.personas[p].slug)),
  };
}

function differing(a: Snapshot, b: Snapshot): number[] {
  const out: number[] = [];
  for (let c = 0; c < b.r.length; c++) {
    // A customer new since `a` had no scores there: 0s and no persona.
    const same =
      (a.r[c] ?? 0) === b.r[c] &&
      (a.f[c] ?? 0) === b.f[c] &&
      (a.m[c] ?? 0) === b.m[c] &&
      (a.persona[c] ?? "-") === b.persona[c] &&
      (a.fm?.[c] ?? 0) === (b.fm?.[c] ?? 0);
    if (!same) out.push(c);
  }
  return out;
}

// Few distinct days and amounts: ties everywhere, edges sitting on tie groups.
const dayArb = fc.integer({ min: TODAY - 30, max: TODAY + 2 }); // a few orders after the as-of day, ignored
const amountArb = fc.oneof(fc.constantFrom(100, 200, 500, 1000), fc.integer({ min: 0, max: 3000 }));
const orderArb = (customers: number) => fc.record({ customer: fc.integer({ min: 0, max: customers - 1 }), day: dayArb, amountMinor: amountArb });

const eventArb = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), customer: fc.nat(), day: dayArb, amountMinor: amountArb, newCustomer: fc.boolean() }),
  fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("change" as const), pick: fc.nat(), day: dayArb, amountMinor: amountArb }),
  fc.record({ kind: fc.constant("replace" as const), customer: fc.nat(), orders: fc.array(fc.record({ day: dayArb, amountMinor: amountArb }), { maxLength: 4 }) }),
);

const CUSTOM_MAP: RfmSettingsInput["personas"] = {
  map: "custom",
  rules: [
    { name: "Top", r: [4, 5], f: [3, 5], m: [1, 5] },
    { name: "Fading", r: [1, 2], f: [1, 5], m: [3, 5] },
  ],
};

const settingsArb = fc
  .record({
    lookbackDays: fc.constantFrom(null, 1, 7, 20),
    edgesMode: fc.boolean(),
    composite: fc.boolean(),
    customMap: fc.boolean(),
    plainQuintileF: fc.boolean(),
  })
  .map(({ lookbackDays, edgesMode, composite, customMap, plainQuintileF }) =>
    settingsWith({
      rules: { lookbackDays },
      scoring: {
        mode: edgesMode ? "edges" : "quantiles",
        ...(edgesMode ? { edges: { r: [1, 3, 7, 15], f: [2, 3, 4, 6], m: [300, 1000, 2000, 4000] } } : {}),
        ...(composite ? { composite: { f: 1, m: 2 } } : {}),
        ...(plainQuintileF ? { frequency: "quintiles" as const } : {}),
      },
      ...(customMap ? { personas: CUSTOM_MAP } : {}),
    }),
  );

describe("GIVEN a shop scored in full and kept current one order at a time", () => {
  it("WHEN random orders are added, changed and removed, or a customer's orders replaced, THEN after every change every customer's scores and persona equal a full recompute, and exactly the customers that differ are reported", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }).chain((customers) =>
          fc.record({
            customers: fc.constant(customers),
            orders: fc.array(orderArb(customers), { maxLength: 40 }),
            events: fc.array(eventArb, { minLength: 1, maxLength: 30 }),
            settings: settingsArb,
          }),
        ),
        ({ customers, orders: initial, events, settings }) => {
          const orders = initial.map((o) => ({ ...o }));
          let customerCount = customers;
          const state = IncrementalScores.build(columnsOf(orders, customerCount), settings, AS_OF);
          expect(snapshotOf(state)).toEqual(fullSnapshot(orders, customerCount, settings));
          for (const event of events) {
            const before = snapshotOf(state);
            let result;
            if (event.kind === "add") {
              const customer = event.newCustomer ? customerCount++ : event.customer % customerCount;
              const after = { day: event.day, amountMinor: event.amountMinor };
              orders.push({ customer, ...after });
              result = state.apply({ customer, before: null, after });
            } else if (event.kind === "replace") {
              // All of one customer's counted orders at once (a re-read of that customer).
              const customer = event.customer % customerCount;
              for (let i = orders.length - 1; i >= 0; i--) if (orders[i].customer === customer) orders.splice(i, 1);
              orders.push(...event.orders.map((o) => ({ customer, ...o })));
              result = state.setCustomerOrders(customer, event.orders);
            } else {
              if (orders.length === 0) continue;
              const i = event.pick % orders.length;
              const old = orders[i];
              const after = event.kind === "change" ? { day: event.day, amountMinor: event.amountMinor } : null;
              if (after) orders[i] = { customer: old.customer, ...after };
              else orders.splice(i, 1);
              result = state.apply({ customer: old.customer, before: { day: old.day, amountMinor: old.amountMinor }, after });
            }
            const now = snapshotOf(state);
            expect(now).toEqual(fullSnapshot(orders, customerCount, settings));
            expect(result.changed).toEqual(differing(before, now));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("WHEN every customer has the same single order and one more arrives THEN scores still match a full recompute", () => {
    const settings = settingsWith({});
    const orders: Order[] = Array.from({ length: 50 }, (_, customer) => ({ customer, day: TODAY - 3, amountMinor: 1000 }));
    const state = IncrementalScores.build(columnsOf(orders, 50), settings, AS_OF);
    orders.push({ customer: 7, day: TODAY, amountMinor: 1000 });
    const { changed } = state.apply({ customer: 7, before: null, after: { day: TODAY, amountMinor: 1000 } });
    expect(snapshotOf(state)).toEqual(fullSnapshot(orders, 50, settings));
    expect(changed).toContain(7);
  });

  it("WHEN a customer's only order is removed THEN the customer loses its persona", () => {
    const settings = settingsWith({});
    const orders: Order[] = [
      { customer: 0, day: TODAY - 1, amountMinor: 500 },
      { customer: 1, day: TODAY - 2, amountMinor: 700 },
    ];
    const state = IncrementalScores.build(columnsOf(orders, 2), settings, AS_OF);
    const { changed } = state.apply({ customer: 1, before: { day: TODAY - 2, amountMinor: 700 }, after: null });
    expect(changed).toContain(1);
    expect([state.r[1], state.f[1], state.m[1], state.persona[1]]).toEqual([0, 0, 0, NO_PERSONA]);
    expect(snapshotOf(state)).toEqual(fullSnapshot(orders.slice(0, 1), 2, settings));
  });

  it("WHEN the change names an order the customer does not have THEN it is refused and nothing changes", () => {
    const settings = settingsWith({});
    const orders: Order[] = [{ customer: 0, day: TODAY - 1, amountMinor: 500 }];
    const state = IncrementalScores.build(columnsOf(orders, 1), settings, AS_OF);
    const before = snapshotOf(state);
    expect(() => state.apply({ customer: 0, before: { day: TODAY - 1, amountMinor: 501 }, after: null })).toThrow(/no counted order/);
    expect(() => state.apply({ customer: 5, before: null, after: { day: TODAY, amountMinor: 1 } })).toThrow(/outside/);
    expect(() => state.apply({ customer: 0, before: null, after: { day: TODAY, amountMinor: 1.5 } })).toThrow(/whole minor units/);
    expect(snapshotOf(state)).toEqual(before);
    expect(state.ordersOf(0)).toEqual([{ day: TODAY - 1, amountMinor: 500 }]);
  });

  it("WHEN the UTC day turns THEN the state says it no longer describes today (the daily recompute rebuilds it)", () => {
    const state = IncrementalScores.build(columnsOf([], 0), settingsWith({}), AS_OF);
    expect(state.isAsOf(new Date(AS_OF.getTime() + 3_600_000))).toBe(true);
    expect(state.isAsOf(new Date((TODAY + 1) * DAY_MS))).toBe(false);
  });

  it("WHEN an edge moves THEN persona counts follow the changed customers", () => {
    const settings = settingsWith({});
    const orders: Order[] = Array.from({ length: 20 }, (_, c) => ({ customer: c, day: TODAY - c, amountMinor: 100 * (c + 1) }));
    const state = IncrementalScores.build(columnsOf(orders, 20), settings, AS_OF);
    const result = state.apply({ customer: 20, before: null, after: { day: TODAY, amountMinor: 5000 } });
    expect(result.edgesMoved.length).toBeGreaterThan(0);
    const full = scoreCountedOrders(columnsOf([...orders, { customer: 20, day: TODAY, amountMinor: 5000 }], 21), settings, AS_OF);
    expect(Array.from(state.personaCustomers)).toEqual(full.report.personas.map((p) => p.customers));
  });
});

describe("GIVEN the sorted (value, customer) set behind the edges", () => {
  it("WHEN thousands of pairs are inserted and removed (blocks split and empty) THEN ranks, positions and ranges match a sorted array", () => {
    const rand = mulberry32(7);
    const list = new SortedPairs();
    const naive: [number, number][] = [];
    const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
    for (let step = 0; step < 9000; step++) {
      if (naive.length > 0 && rand() < 0.35) {
        const [v, c] = naive.splice(Math.floor(rand() * naive.length), 1)[0];
        expect(list.remove(v, c)).toBe(true);
      } else {
        const pair: [number, number] = [Math.floor(rand() * 50), step];
        naive.push(pair);
        list.insert(pair[0], pair[1]);
      }
      if (step % 997 === 0 || step === 8999) {
        naive.sort(cmp);
        expect(list.size).toBe(naive.length);
        for (let i = 0; i < naive.length; i += 37) expect(list.at(i)).toBe(naive[i][0]);
        for (const v of [-1, 0, 17, 49, 50]) {
          expect(list.countLess(v)).toBe(naive.filter((p) => p[0] < v).length);
          expect(list.countAtMost(v)).toBe(naive.filter((p) => p[0] <= v).length);
        }
        const inRange: number[] = [];
        list.forEachInRange(10, 13, (c) => inRange.push(c));
        expect(inRange).toEqual(naive.filter((p) => p[0] >= 10 && p[0] < 13).map((p) => p[1]));
      }
    }
    expect(list.remove(1e9, 1)).toBe(false);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
