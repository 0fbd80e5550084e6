import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { NO_PERSONA, scoreCountedOrders, scoreCustomers } from "./engine";
import { countedOrderColumns } from "./metrics";
import { applyRules } from "./rules";
import { DEFAULT_SETTINGS, parseSettings, type RfmSettings } from "./settings";
import { loadOnlineRetailOrders, order } from "./test/fixtures";
import { utcDay } from "./days";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const settingsWith = (input: unknown): RfmSettings => {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
};

describe("GIVEN a small shop", () => {
  const orders = [
    order({ customerKey: "champ", processedAt: "2024-12-30T10:00:00Z", amountMinor: 90_000 }),
    order({ customerKey: "champ", processedAt: "2024-12-20T10:00:00Z", amountMinor: 90_000 }),
    order({ customerKey: "champ", processedAt: "2024-11-20T10:00:00Z", amountMinor: 90_000 }),
    order({ customerKey: "once", processedAt: "2024-06-01T10:00:00Z", amountMinor: 1_000 }),
    // Four middling customers, so the quintiles have someone to rank against (with n < 5 nobody can reach 5).
    ...[2, 3, 4, 5].map((k) => order({ customerKey: `mid${k}`, processedAt: `2024-0${k + 3}-15T10:00:00Z`, amountMinor: k * 1_000 })),
    order({ customerKey: "gone", processedAt: "2021-05-01T10:00:00Z", amountMinor: 200_000 }),
    order({ customerKey: "gone", processedAt: "2021-06-01T10:00:00Z", amountMinor: 200_000 }),
    order({ customerKey: "posOnly", pos: true }),
    order({ customerKey: "subsOnly", subscription: true }),
  ];
  // Scored in each test (not once for the file) so mutation testing sees which test reaches which code.
  let result: ReturnType<typeof scoreCustomers>;
  let byKey: Map<string, ReturnType<typeof scoreCustomers>["customers"][number]>;
  beforeEach(() => {
    result = scoreCustomers(orders, DEFAULT_SETTINGS, AS_OF);
    byKey = new Map(result.customers.map((c) => [c.customerKey, c]));
  });

  it("WHEN scored THEN customers with only POS or subscription orders get no persona", () => {
    expect([...byKey.keys()]).toEqual(["champ", "once", "mid2", "mid3", "mid4", "mid5", "gone"]);
    expect(result.report.rules.customersWithoutCountedOrders).toBe(2);
  });

  it("WHEN a customer's counted orders all lie before the lookback window THEN R = 1 and the map gives their persona (here Lost: F1, M5)", () => {
    const gone = byKey.get("gone")!;
    expect(gone).toMatchObject({ persona: "lost", r: 1, inLookbackWindow: false });
    expect(gone.metrics).toMatchObject({ frequency: 2, monetaryMinor: 400_000, lastOrderAt: "2021-06-01" });
    // F and M come from their old history, binned by the window's edges: they were big spenders.
    expect(gone.m).toBe(5);
    expect(result.report.window.customersBeforeWindow).toBe(1);
  });

  it("WHEN scored THEN the best customer is a Champion by plain quintiles, a Potential Loyalist by order counts, and the report counts personas", () => {
    // One repeat buyer (3 orders) among one-order customers: two distinct order counts, so the
    // balanced F (decision 024) gives 3 orders F2, where plain quintiles rank it F5.
    expect(byKey.get("champ")).toMatchObject({ r: 5, f: 2, m: 5, persona: "potential-loyalist", fm: null });
    const plain = scoreCustomers(orders, settingsWith({ scoring: { frequency: "quintiles" } }), AS_OF);
    expect(plain.customers.find((c) => c.customerKey === "champ")).toMatchObject({ r: 5, f: 5, m: 5, persona: "champions" });
    expect(result.report.scoring.customersScored).toBe(6);
    const counts = Object.fromEntries(result.report.personas.map((p) => [p.slug, p.customers]));
    expect(counts).toMatchObject({ "potential-loyalist": 1 });
    expect(result.report.personas.reduce((s, p) => s + p.customers, 0)).toBe(7);
  });

  it("WHEN the lookback is all time THEN the old customer is scored among everyone", () => {
    const all = scoreCustomers(orders, settingsWith({ rules: { lookbackDays: null } }), AS_OF);
    expect(all.customers.find((c) => c.customerKey === "gone")?.inLookbackWindow).toBe(true);
    expect(all.report.window.customersBeforeWindow).toBe(0);
  });

  it("WHEN nobody ordered inside the window THEN everyone with a counted order is Lost with F = M = 1", () => {
    const onlyOld = scoreCustomers(orders.filter((o) => o.customerKey === "gone"), DEFAULT_SETTINGS, AS_OF);
    expect(onlyOld.customers).toEqual([expect.objectContaining({ customerKey: "gone", r: 1, f: 1, m: 1, persona: "lost" })]);
    expect(onlyOld.report.scoring.customersScored).toBe(0);
    expect(onlyOld.report.scoring.r.edges).toEqual([null, null, null, null]);
  });

  it("WHEN composite weights are set THEN each customer carries an FM score", () => {
    const weighted = scoreCustomers(orders, settingsWith({ scoring: { composite: { f: 1, m: 2 } } }), AS_OF);
    expect(weighted.customers.every((c) => c.fm !== null && c.fm >= 1 && c.fm <= 5)).toBe(true);
  });

  it("WHEN a custom map leaves gaps THEN those customers are Others", () => {
    const custom = scoreCustomers(
      orders,
      settingsWith({ scoring: { frequency: "quintiles" }, personas: { map: "custom", rules: [{ name: "Top", r: [5, 5], f: [5, 5], m: [5, 5] }] } }),
      AS_OF,
    );
    const personaOf = (key: string) => custom.customers.find((c) => c.customerKey === key)?.persona;
    // "gone" (outside the window) sits in an R1 cell the map leaves open: Others too, not a hidden Lost.
    expect([personaOf("champ"), personaOf("once"), personaOf("gone")]).toEqual(["top", "others", "others"]);
  });
});

describe("GIVEN counted orders in columns (the database path)", () => {
  it("WHEN scored THEN the result matches the canonical-order path customer for customer", () => {
    const orders = loadOnlineRetailOrders();
    const asOf = new Date("2011-12-10T00:00:00Z");
    const settings = settingsWith({ rules: { lookbackDays: 180 } });
    const viaOrders = scoreCustomers(orders, settings, asOf);
    const { counted } = applyRules(orders, settings.rules, asOf);
    const { columns, customerKeys } = countedOrderColumns(counted);
    const viaColumns = scoreCountedOrders(columns, settings, asOf);
    expect(viaOrders.customers).toHaveLength(customerKeys.length);
    viaOrders.customers.forEach((c, i) => {
      expect(c.customerKey).toBe(customerKeys[i]);
      expect([c.r, c.f, c.m]).toEqual([viaColumns.r[i], viaColumns.f[i], viaColumns.m[i]]);
      expect(c.persona).toBe(viaColumns.personas[viaColumns.persona[i]].slug);
    });
    expect(viaOrders.report.window.customersBeforeWindow).toBeGreaterThan(0);
  });

  it("WHEN a customer index has no order up to the as-of day THEN it has NO_PERSONA", () => {
    const scored = scoreCountedOrders(
      { customerCount: 3, customerIndex: Int32Array.from([0, 2]), day: Int32Array.from([utcDay(AS_OF), utcDay(AS_OF) + 1]), amountMinor: Float64Array.from([5, 5]) },
      DEFAULT_SETTINGS,
      AS_OF,
    );
    expect([...scored.persona].map((p) => p === NO_PERSONA)).toEqual([false, true, true]);
    expect(scored.report.window).toMatchObject({ ordersAfterAsOf: 1, customersWithoutPersona: 2 });
  });

  it("PROPERTY: every customer with a counted order gets exactly one persona of the default map, whatever the order of input", () => {
    const orderArb = fc.record({ c: fc.integer({ min: 0, max: 30 }), d: fc.integer({ min: 0, max: 800 }), a: fc.integer({ min: 1, max: 100_000 }) });
    fc.assert(
      fc.property(fc.array(orderArb, { minLength: 1, maxLength: 200 }), (rows) => {
        const build = (list: typeof rows) => ({
          customerCount: 31,
          customerIndex: Int32Array.from(list, (o) => o.c),
          day: Int32Array.from(list, (o) => utcDay(AS_OF) - o.d),
          amountMinor: Float64Array.from(list, (o) => o.a),
        });
        const a = scoreCountedOrders(build(rows), DEFAULT_SETTINGS, AS_OF);
        const b = scoreCountedOrders(build([...rows].reverse()), DEFAULT_SETTINGS, AS_OF);
        for (let c = 0; c < 31; c++) {
          const hasOrder = rows.some((o) => o.c === c);
          expect(a.persona[c] !== NO_PERSONA).toBe(hasOrder);
          expect([a.r[c], a.f[c], a.m[c], a.persona[c]]).toEqual([b.r[c], b.f[c], b.m[c], b.persona[c]]);
        }
        expect(a.report.personas.reduce((s, p) => s + p.customers, 0)).toBe(new Set(rows.map((o) => o.c)).size);
      }),
    );
  });

  it("PROPERTY: the same R, F and M always carry the same persona, for customers inside or outside the lookback window alike", () => {
    const orderArb = fc.record({ c: fc.integer({ min: 0, max: 30 }), d: fc.integer({ min: 0, max: 900 }), a: fc.integer({ min: 1, max: 100_000 }) });
    fc.assert(
      fc.property(fc.array(orderArb, { minLength: 1, maxLength: 200 }), fc.constantFrom(30, 180, 365), (rows, lookbackDays) => {
        const scored = scoreCountedOrders(
          {
            customerCount: 31,
            customerIndex: Int32Array.from(rows, (o) => o.c),
            day: Int32Array.from(rows, (o) => utcDay(AS_OF) - o.d),
            amountMinor: Float64Array.from(rows, (o) => o.a),
          },
          settingsWith({ rules: { lookbackDays } }),
          AS_OF,
        );
        const personaOfCode = new Map<number, number>();
        for (let c = 0; c < 31; c++) {
          if (scored.persona[c] === NO_PERSONA) continue;
          if (scored.metrics.inWindow[c] === 0) expect(scored.r[c]).toBe(1);
          const code = scored.r[c] * 100 + scored.f[c] * 10 + scored.m[c];
          expect(personaOfCode.get(code) ?? scored.persona[c]).toBe(scored.persona[c]);
          personaOfCode.set(code, scored.persona[c]);
        }
      }),
    );
  });
});
