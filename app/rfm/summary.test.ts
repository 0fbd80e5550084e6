import { describe, expect, it } from "vitest";
import { NO_PERSONA, scoreCountedOrders } from "./engine";
import { parseSettings, type RfmSettings } from "./settings";
import { summarizePersonas } from "./summary";
import { utcDay } from "./days";

const AS_OF = new Date("2024-12-31T00:00:00Z");
const today = utcDay(AS_OF);

/**
 * A shop whose custom map puts every scored customer in one persona, so each figure can be
 * worked out by hand; "Never" lies inside "Everyone" and gets nobody.
 */
function scoredShop() {
  const parsed = parseSettings({
    // The rank rule for F too, so every score below can be worked out by hand.
    scoring: { frequency: "quintiles" },
    personas: {
      map: "custom",
      rules: [
        { name: "Everyone", r: [1, 5], f: [1, 5], m: [1, 5] },
        { name: "Never", r: [5, 5], f: [5, 5], m: [5, 5] },
      ],
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const settings: RfmSettings = parsed.settings;
  // [customer, days ago, amount]: customer 4 ordered only before the 365-day window, customer 5 never counted.
  const orders: [number, number, number][] = [
    [0, 1, 1000], [0, 5, 2000],
    [1, 30, 500],
    [2, 2, 1000], [2, 100, 1000], [2, 200, 1000],
    [3, 7, 333],
    [4, 500, 10_000], [4, 600, 10_000],
    [1, -3, 999], // after the as-of day: not seen
  ];
  return scoreCountedOrders(
    {
      customerCount: 6,
      customerIndex: Int32Array.from(orders, (o) => o[0]),
      day: Int32Array.from(orders, (o) => today - o[1]),
      amountMinor: Float64Array.from(orders, (o) => o[2]),
    },
    settings,
    AS_OF,
  );
}

describe("GIVEN a scored shop with customers inside, before and without a counted order", () => {
  it("WHEN the report is read THEN customers and orders on each side of the window and per persona are exact", () => {
    const scored = scoredShop();
    expect(scored.report.window).toMatchObject({
      ordersInWindow: 7,
      ordersBeforeWindow: 2,
      ordersAfterAsOf: 1,
      customersInWindow: 4,
      customersBeforeWindow: 1,
      customersWithoutPersona: 1,
    });
    expect(scored.report.personas.map(({ slug, customers, orders, revenueMinor }) => ({ slug, customers, orders, revenueMinor }))).toEqual([
      // Customer 4, outside the window, goes through the map with R = 1 like everyone (decision 024).
      { slug: "everyone", customers: 5, orders: 9, revenueMinor: 26_833 },
      { slug: "never", customers: 0, orders: 0, revenueMinor: 0 },
      { slug: "lost", customers: 0, orders: 0, revenueMinor: 0 },
    ]);
    expect([...scored.persona]).toEqual([0, 0, 0, 0, 0, NO_PERSONA]);
  });

  it("WHEN summarised THEN each persona shows its customers, orders, revenue, average order and typical member", () => {
    const scored = scoredShop();
    const summary = summarizePersonas(scored);
    expect(summary).toEqual([
      {
        slug: "everyone",
        name: "Everyone",
        customers: 5,
        orders: 9,
        revenueMinor: 26_833,
        aovMinor: 2981, // 26833 / 9 = 2981.4
        // Five members (customer 4 outside the window: 500 days, 2 orders, 20,000, R1 F3 M3): the middle one.
        median: { recencyDays: 7, frequency: 2, monetaryMinor: 3000, r: 2, f: 3, m: 3 },
      },
      {
        slug: "never",
        name: "Never",
        customers: 0,
        orders: 0,
        revenueMinor: 0,
        aovMinor: null,
        median: { recencyDays: null, frequency: null, monetaryMinor: null, r: null, f: null, m: null },
      },
      {
        slug: "lost",
        name: "Lost",
        customers: 0,
        orders: 0,
        revenueMinor: 0,
        aovMinor: null,
        median: { recencyDays: null, frequency: null, monetaryMinor: null, r: null, f: null, m: null },
      },
    ]);
    // The four's scores, by the rank rule: R 4, 1, 3, 2; F 3, 1, 4, 1; M 3, 2, 3, 1.
    expect([0, 1, 2, 3].map((c) => [scored.r[c], scored.f[c], scored.m[c]])).toEqual([[4, 3, 3], [1, 1, 2], [3, 4, 3], [2, 1, 1]]);
  });
});
