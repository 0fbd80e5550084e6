import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeMetrics } from "./metrics";
import {
  balancedEdgesFromCounts,
  balancedFrequencyEdges,
  compositeScore,
  quintileEdges,
  recencyQuintileEdges,
  recencyScoreByEdges,
  scoreByEdges,
  scoreMetrics,
  scoreRanges,
  type Edges,
} from "./scoring";
import type { ScoringSettings } from "./settings";

/** The documented rule, written the slow obvious way. */
function rankScore(v: number, all: readonly number[]): number {
  const less = all.filter((x) => x < v).length;
  return Math.floor((5 * less) / all.length) + 1;
}

/** The plain tie-safe quintile rule for every dimension (F's default is the balanced rule, tested below). */
const quantiles: ScoringSettings = { mode: "quantiles", frequency: "quintiles" };

/** Scores customers given as plain metric rows (all inside the window). */
function scoreRows(rows: readonly { days: number; orders: number; spend: number }[], scoring: ScoringSettings = quantiles) {
  const n = rows.length;
  const metrics = computeMetrics({ customerCount: 0, customerIndex: new Int32Array(0), day: new Int32Array(0), amountMinor: new Float64Array(0) }, 0, null);
  const cols = {
    ...metrics,
    customerCount: n,
    inWindow: new Uint8Array(n).fill(1),
    frequency: Int32Array.from(rows, (r) => r.orders),
    monetaryMinor: Float64Array.from(rows, (r) => r.spend),
    recencyDays: Int32Array.from(rows, (r) => r.days),
    firstDay: new Int32Array(n),
    lastDay: Int32Array.from(rows, (r) => -r.days),
  };
  return scoreMetrics(cols, scoring);
}

const rowArb = fc.record({
  days: fc.integer({ min: 0, max: 60 }),
  orders: fc.integer({ min: 1, max: 8 }),
  spend: fc.integer({ min: 1, max: 50 }).map((x) => x * 500),
});
const rowsArb = fc.array(rowArb, { minLength: 1, maxLength: 60 });

describe("GIVEN quintile scoring", () => {
  it("WHEN values are distinct and n = 10 THEN two customers land in each score", () => {
    const edges = quintileEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(edges).toEqual([3, 5, 7, 9]);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => scoreByEdges(v, edges))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it("WHEN more than a fifth share the lowest value THEN they all share score 1 and the skipped score is empty", () => {
    // 6 of 10 customers ordered once.
    const values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 7];
    const edges = quintileEdges(values);
    const scores = values.map((v) => scoreByEdges(v, edges));
    expect(scores).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect(edges).toEqual([2, 2, 2, 3]);
  });

  it("WHEN every customer has the same value THEN everyone gets 1 and scores 2–5 are unreachable", () => {
    expect(quintileEdges([4, 4, 4])).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });

  it("WHEN recency is scored THEN fewest days get 5 and equal days share", () => {
    const days = [0, 0, 3, 10, 10, 10, 40, 90, 200, 365];
    const edges = recencyQuintileEdges(days);
    expect(days.map((d) => recencyScoreByEdges(d, edges))).toEqual([5, 5, 4, 3, 3, 3, 2, 2, 1, 1]);
  });

  it("WHEN the report is built THEN it lists edges and true bin sizes, empty bins included", () => {
    const rows = [1, 1, 1, 1, 1, 1, 2, 2, 3, 7].map((orders, i) => ({ days: i, orders, spend: 100 * (i + 1) }));
    const { report } = scoreRows(rows);
    expect(report.f.mode).toBe("quantiles");
    expect(report.f.edges).toEqual([2, 2, 2, 3]);
    expect(report.f.bins.map((b) => b.customers)).toEqual([6, 0, 0, 2, 2]);
    expect(report.f.bins[1]).toEqual({ score: 2, customers: 0, min: null, max: null });
    expect(report.f.bins[4]).toEqual({ score: 5, customers: 2, min: 3, max: 7 });
    expect(report.m.bins.map((b) => b.customers)).toEqual([2, 2, 2, 2, 2]);
  });

  it("PROPERTY: edges reproduce the rank rule floor(5·#less/n)+1 for every value", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 80 }), (values) => {
        const edges = quintileEdges(values);
        for (const v of values) expect(scoreByEdges(v, edges)).toBe(rankScore(v, values));
        const rEdges = recencyQuintileEdges(values);
        const negated = values.map((v) => -v);
        for (const v of values) expect(recencyScoreByEdges(v, rEdges)).toBe(rankScore(-v, negated));
      }),
    );
  });

  it("PROPERTY: the rank rule also holds for wide-ranging and fractional values (selection instead of counting)", () => {
    const wide = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1, 1e9));
    fc.assert(
      fc.property(fc.array(wide, { minLength: 1, maxLength: 700 }), (values) => {
        const edges = quintileEdges(values);
        for (const v of values) expect(scoreByEdges(v, edges)).toBe(rankScore(v, values));
      }),
      { numRuns: 60 },
    );
  });

  it("PROPERTY: on large shops with fractional spend (the selection path, over 600 values) edges still follow the rank rule", () => {
    const spend = fc.double({ min: 0, max: 1e5, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.oneof(spend, fc.constantFrom(0.5, 99.99)), { minLength: 601, maxLength: 3000 }), (values) => {
        const edges = quintileEdges(values);
        const sorted = Float64Array.from(values).sort();
        const less = (v: number) => {
          let lo = 0;
          let hi = sorted.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (sorted[mid] < v) lo = mid + 1;
            else hi = mid;
          }
          return lo;
        };
        for (const v of values) expect(scoreByEdges(v, edges)).toBe(Math.floor((5 * less(v)) / values.length) + 1);
      }),
      { numRuns: 20 },
    );
  });

  it("PROPERTY: scores do not depend on the order customers come in", () => {
    fc.assert(
      fc.property(rowsArb, fc.integer(), (rows, seed) => {
        const shuffled = rows.map((row, i) => ({ row, i, key: (Math.imul(i + 1, seed | 1) >>> 0) % 1009 })).sort((a, b) => a.key - b.key);
        const a = scoreRows(rows);
        const b = scoreRows(shuffled.map((s) => s.row));
        shuffled.forEach((s, j) => {
          expect([b.r[j], b.f[j], b.m[j]]).toEqual([a.r[s.i], a.f[s.i], a.m[s.i]]);
        });
      }),
    );
  });

  it("PROPERTY: customers with equal metrics get equal scores", () => {
    fc.assert(
      fc.property(rowsArb, rowArb, fc.integer({ min: 2, max: 6 }), (rows, twin, copies) => {
        const all = [...rows, ...Array.from({ length: copies }, () => twin)];
        const { r, f, m } = scoreRows(all);
        const first = rows.length;
        for (let i = first + 1; i < all.length; i++) expect([r[i], f[i], m[i]]).toEqual([r[first], f[first], m[first]]);
      }),
    );
  });

  it("PROPERTY: more recent never lowers R, more orders never lowers F, more spend never lowers M", () => {
    fc.assert(
      fc.property(rowsArb, fc.nat(), fc.integer({ min: 1, max: 30 }), (rows, pick, bump) => {
        const i = pick % rows.length;
        const base = scoreRows(rows);
        const fresher = scoreRows(rows.map((row, j) => (j === i ? { ...row, days: Math.max(0, row.days - bump) } : row)));
        const busier = scoreRows(rows.map((row, j) => (j === i ? { ...row, orders: row.orders + bump } : row)));
        const richer = scoreRows(rows.map((row, j) => (j === i ? { ...row, spend: row.spend + bump } : row)));
        expect(fresher.r[i]).toBeGreaterThanOrEqual(base.r[i]);
        expect(busier.f[i]).toBeGreaterThanOrEqual(base.f[i]);
        expect(richer.m[i]).toBeGreaterThanOrEqual(base.m[i]);
      }),
    );
  });
});

describe("GIVEN explicit edges", () => {
  const edges: Edges = [10, 20, 30, 40];

  it("WHEN a value sits on an edge THEN it belongs to the bin above (lower ≤ x < upper)", () => {
    expect([9, 10, 19, 20, 29, 30, 39, 40, 1e9].map((x) => scoreByEdges(x, edges))).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it("WHEN recency uses edges THEN fewer days score higher with the same bin rule", () => {
    expect([0, 9, 10, 39, 40, 400].map((d) => recencyScoreByEdges(d, edges))).toEqual([5, 5, 4, 2, 1, 1]);
  });

  it("PROPERTY: x in [e_i, e_{i+1}) scores i + 1", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 4, maxLength: 4 }).map((a) => a.sort((x, y) => x - y) as unknown as Edges),
        fc.integer({ min: -2000, max: 2000 }),
        (e, x) => {
          const bin = x < e[0] ? 1 : x < e[1] ? 2 : x < e[2] ? 3 : x < e[3] ? 4 : 5;
          expect(scoreByEdges(x, e)).toBe(bin);
          expect(recencyScoreByEdges(x, e)).toBe(6 - bin);
        },
      ),
    );
  });

  it("WHEN edges mode is set THEN the report carries the merchant's edges", () => {
    const scoring: ScoringSettings = { mode: "edges", edges: { r: [7, 30, 90, 180], f: [2, 3, 5, 10], m: [1000, 5000, 10000, 50000] } };
    const { r, f, m, report } = scoreRows([{ days: 7, orders: 1, spend: 50000 }], scoring);
    expect([r[0], f[0], m[0]]).toEqual([4, 1, 5]);
    expect(report.r).toMatchObject({ mode: "edges", edges: [7, 30, 90, 180] });
  });
});

describe("GIVEN a weighted FM composite", () => {
  it("WHEN weights are equal THEN halves round up", () => {
    expect(compositeScore(3, 4, { f: 1, m: 1 })).toBe(4);
    expect(compositeScore(1, 2, { f: 1, m: 1 })).toBe(2);
  });

  it("WHEN weights are uneven THEN the heavier dimension dominates", () => {
    expect(compositeScore(1, 5, { f: 1, m: 3 })).toBe(4);
    expect(compositeScore(5, 1, { f: 0.2, m: 0.1 })).toBe(4); // 3.67
    expect(compositeScore(2, 5, { f: 1, m: 0 })).toBe(2);
  });

  it("WHEN configured THEN every scored customer gets an FM score and the report its bins", () => {
    const { fm, report } = scoreRows([{ days: 1, orders: 1, spend: 10 }, { days: 2, orders: 5, spend: 99 }], { mode: "quantiles", composite: { f: 1, m: 1 } });
    expect(fm && [...fm]).toEqual([1, 3]); // F and M are 1 and 3 for both; (3 + 3) / 2 = 3
    expect(report.composite?.bins.reduce((s, b) => s + b.customers, 0)).toBe(2);
  });
});

/** Customers as the metrics step hands them over: some only before the window, some without a counted order. */
interface Customer {
  days: number;
  orders: number;
  spend: number;
  /** Default true; false = every counted order lies before the lookback window. */
  inWindow?: boolean;
}
function scoreCustomers(customers: readonly Customer[], scoring: ScoringSettings = quantiles) {
  const n = customers.length;
  const empty = computeMetrics({ customerCount: 0, customerIndex: new Int32Array(0), day: new Int32Array(0), amountMinor: new Float64Array(0) }, 0, null);
  return scoreMetrics(
    {
      ...empty,
      customerCount: n,
      inWindow: Uint8Array.from(customers, (c) => (c.orders > 0 && c.inWindow !== false ? 1 : 0)),
      frequency: Int32Array.from(customers, (c) => c.orders),
      monetaryMinor: Float64Array.from(customers, (c) => c.spend),
      recencyDays: Int32Array.from(customers, (c) => c.days),
      firstDay: new Int32Array(n),
      lastDay: Int32Array.from(customers, (c) => -c.days),
    },
    scoring,
  );
}

describe("GIVEN many customers sharing the same recency (production scoring loop)", () => {
  // Few distinct day counts, so quintile edges always fall on values several customers share.
  const tiedDays = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 80 });

  it("PROPERTY: R from scoreMetrics equals the documented rank rule for every customer, ties on every edge included", () => {
    fc.assert(
      fc.property(tiedDays, (days) => {
        const { r, report } = scoreCustomers(days.map((d) => ({ days: d, orders: 1, spend: 100 })));
        const negated = days.map((d) => -d);
        days.forEach((d, i) => expect(r[i]).toBe(rankScore(-d, negated)));
        // Customers exactly on an edge score as the rule lower ≤ days < upper says: below every edge → 5.
        for (const edge of report.r.edges) {
          if (edge === null) continue;
          const onEdge = days.findIndex((d) => d === edge);
          expect(onEdge).toBeGreaterThanOrEqual(0);
          expect(r[onEdge]).toBe(5 - report.r.edges.filter((e) => e !== null && e <= edge).length);
        }
      }),
    );
  });

  it("PROPERTY: with the merchant's edges, a customer exactly on an edge gets the lower R (days ≥ edge counts)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 4, maxLength: 4 }).map((a) => a.sort((x, y) => x - y)),
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 40 }),
        (edges, others) => {
          // Everyone on an edge, plus random others.
          const days = [...edges, ...others];
          const scoring: ScoringSettings = { mode: "edges", edges: { r: edges, f: [2, 3, 4, 5], m: [2, 3, 4, 5] } };
          const { r } = scoreCustomers(days.map((d) => ({ days: d, orders: 1, spend: 1 })), scoring);
          days.forEach((d, i) => expect(r[i]).toBe(5 - edges.filter((e) => e <= d).length));
        },
      ),
    );
  });
});

describe("GIVEN the scoring report a merchant reads", () => {
  it("WHEN edges are saved but the merchant switched back to quintiles THEN quintiles score and the report shows quintile edges", () => {
    const customers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ({ days: k * 10, orders: k, spend: k * 1000 }));
    const stale = { r: [1, 2, 3, 4], f: [100, 200, 300, 400], m: [1, 2, 3, 4] };
    const { r, f, m, report } = scoreCustomers(customers, { mode: "quantiles", edges: stale });
    expect([...f]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect([...m]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect([...r]).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    expect(report.f).toMatchObject({ mode: "quantiles", edges: [3, 5, 7, 9] });
    expect(report.m).toMatchObject({ mode: "quantiles", edges: [3000, 5000, 7000, 9000] });
    expect(report.r).toMatchObject({ mode: "quantiles", edges: [30, 50, 70, 90] });
  });

  it("WHEN bins are reported THEN each score shows its customers and their lowest and highest R, F and M values", () => {
    const customers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ({ days: k * 10, orders: k, spend: k * 1000 }));
    const { report } = scoreCustomers(customers);
    const bins = (d: typeof report.r) => d.bins.map((b) => [b.score, b.customers, b.min, b.max]);
    expect(bins(report.r)).toEqual([[1, 2, 90, 100], [2, 2, 70, 80], [3, 2, 50, 60], [4, 2, 30, 40], [5, 2, 10, 20]]);
    expect(bins(report.f)).toEqual([[1, 2, 1, 2], [2, 2, 3, 4], [3, 2, 5, 6], [4, 2, 7, 8], [5, 2, 9, 10]]);
    expect(bins(report.m)).toEqual([[1, 2, 1000, 2000], [2, 2, 3000, 4000], [3, 2, 5000, 6000], [4, 2, 7000, 8000], [5, 2, 9000, 10000]]);
    expect(report.r.dimension).toBe("r");
    expect(report.f.dimension).toBe("f");
    expect(report.m.dimension).toBe("m");
    expect(report.customersScored).toBe(10);
  });

  it("WHEN an FM composite is configured THEN its bins count the window's customers per composite score", () => {
    // F and M of customer k are both ⌈k/2⌉; the weighted composite of equal scores is that score.
    const customers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ({ days: k, orders: k, spend: k * 1000 }));
    const withOld = [...customers, { days: 900, orders: 3, spend: 9000, inWindow: false }];
    const { fm, report } = scoreCustomers(withOld, { mode: "quantiles", composite: { f: 2, m: 1 } });
    expect(fm && [...fm]).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3]); // old customer: F 2, M 5 → (4 + 5) / 3 = 3
    expect(report.composite).toEqual({
      weights: { f: 2, m: 1 },
      bins: [1, 2, 3, 4, 5].map((score) => ({ score, customers: 2 })),
    });
    expect(report.customersBeforeWindow).toBe(1);
  });

  it("WHEN the composite is not configured THEN there are no FM scores and no composite report", () => {
    const { fm, report } = scoreCustomers([{ days: 1, orders: 1, spend: 1 }]);
    expect(fm).toBeNull();
    expect(report.composite).toBeNull();
  });

  it("WHEN some customers have no counted order THEN they get 0 for R, F, M and FM and no bin counts them", () => {
    const customers = [
      { days: 5, orders: 2, spend: 3000 },
      { days: 0, orders: 0, spend: 0 },
      { days: 40, orders: 1, spend: 1000 },
      { days: 0, orders: 0, spend: 0 },
    ];
    const { r, f, m, fm, report } = scoreCustomers(customers, { ...quantiles, composite: { f: 1, m: 1 } });
    expect([r[1], f[1], m[1], fm![1]]).toEqual([0, 0, 0, 0]);
    expect([r[3], f[3], m[3], fm![3]]).toEqual([0, 0, 0, 0]);
    expect([r[0], f[0], m[0]]).toEqual([3, 3, 3]); // two customers: the better one gets floor(5 · 1 / 2) + 1
    expect(report.customersScored).toBe(2);
    expect(report.customersBeforeWindow).toBe(0);
    for (const dim of [report.r, report.f, report.m]) expect(dim.bins.reduce((s, b) => s + b.customers, 0)).toBe(2);
    expect(report.composite!.bins.reduce((s, b) => s + b.customers, 0)).toBe(2);
  });

  it("WHEN a customer's orders all lie before the window THEN R is 1, F and M use the window's edges, and no bin counts them", () => {
    const customers = [
      { days: 1, orders: 1, spend: 1000 },
      { days: 2, orders: 4, spend: 5000 },
      { days: 500, orders: 9, spend: 90000, inWindow: false },
    ];
    const { r, f, m, report } = scoreCustomers(customers);
    // Two customers in the window: F and M reach 1 or 3 only.
    expect(report.f.edges).toEqual([4, 4, null, null]);
    expect(report.m.edges).toEqual([5000, 5000, null, null]);
    expect([r[2], f[2], m[2]]).toEqual([1, 3, 3]);
    expect(report.customersScored).toBe(2);
    expect(report.customersBeforeWindow).toBe(1);
    expect(report.r.bins.reduce((s, b) => s + b.customers, 0)).toBe(2);
    expect(report.r.bins[0].customers).toBe(1); // the window's own oldest, not the old customer
  });
});

describe("GIVEN the scoring report when customers arrive in no particular order", () => {
  it("WHEN the largest value of a bin comes first THEN the bin still shows its true lowest and highest R, F and M", () => {
    // Customers listed from the biggest to the smallest: a bin's last customer is its smallest.
    const customers = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((k) => ({ days: k * 10, orders: k, spend: k * 1000 }));
    const { report } = scoreRows(customers);
    const ranges = (d: typeof report.r) => d.bins.map((b) => [b.min, b.max]);
    expect(ranges(report.r)).toEqual([[90, 100], [70, 80], [50, 60], [30, 40], [10, 20]]);
    expect(ranges(report.f)).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    expect(ranges(report.m)).toEqual([[1000, 2000], [3000, 4000], [5000, 6000], [7000, 8000], [9000, 10000]]);
  });

  it("WHEN nobody has an order in the window THEN F and M show four empty edges, not none", () => {
    const { report } = scoreRows([]);
    expect(report.f.edges).toEqual([null, null, null, null]);
    expect(report.m.edges).toEqual([null, null, null, null]);
    expect(quintileEdges([])).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
});

describe("GIVEN a large shop with distinct fractional spend (selection, not counting)", () => {
  it("WHEN tens of thousands of values are shuffled THEN the quintile edges are the values a full sort gives", () => {
    // Deterministic shuffle (LCG) of 40,000 distinct fractional values: deep enough that the
    // selection recurses on samples several levels down, close to each quintile position.
    const n = 40_000;
    const values = Array.from({ length: n }, (_, i) => i + 0.25);
    let seed = 12345;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [values[i], values[j]] = [values[j], values[i]];
    }
    // Score k starts at the value at sorted position ceil((k−1)·n/5): 8000, 16000, 24000, 32000.
    expect(quintileEdges(values)).toEqual([8000.25, 16000.25, 24000.25, 32000.25]);
    // Recency: R ≥ k when days < the value at sorted position n − ceil((k−1)·n/5).
    expect(recencyQuintileEdges(values)).toEqual([8000.25, 16000.25, 24000.25, 32000.25]);
  });
});

describe("GIVEN frequency scored by the balanced rule (the default)", () => {
  const balanced: ScoringSettings = { mode: "quantiles" };
  /** n customers with `orders` orders each, as plain rows. */
  const many = (counts: Record<number, number>) =>
    Object.entries(counts).flatMap(([orders, n]) => Array.from({ length: n }, (_, i) => ({ days: i, orders: Number(orders), spend: 100 })));

  it("WHEN 65 % ordered once (the demo store's shape) THEN F reads 1 · 2 · 3 · 4–5 · 6+ orders and no score is empty", () => {
    const rows = many({ 1: 650, 2: 170, 3: 70, 4: 40, 5: 20, 6: 20, 8: 15, 12: 15 });
    const { report } = scoreRows(rows, balanced);
    expect(report.f.edges).toEqual([2, 3, 4, 6]);
    expect(report.f.bins.map((b) => b.customers)).toEqual([650, 170, 70, 60, 50]);
    // The plain quintile rule leaves F2 and F3 empty on the same customers.
    expect(scoreRows(rows, quantiles).report.f.bins.map((b) => b.customers)).toEqual([650, 0, 0, 170, 180]);
  });

  it("WHEN order counts are spread evenly THEN each score holds a fifth, as quintiles do", () => {
    const rows = many({ 1: 10, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10, 10: 10 });
    expect(scoreRows(rows, balanced).report.f.edges).toEqual([3, 5, 7, 9]);
  });

  it("WHEN fewer than five order counts exist THEN each count is its own score from F1 up and the higher scores stay empty", () => {
    expect(balancedEdgesFromCounts([1, 2, 3], [80, 15, 5])).toEqual([2, 3, Infinity, Infinity]);
    expect(balancedEdgesFromCounts([4], [10])).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(balancedEdgesFromCounts([], [])).toEqual([Infinity, Infinity, Infinity, Infinity]);
    // Exactly five: one score each, however uneven.
    expect(balancedEdgesFromCounts([1, 2, 3, 7, 9], [1000, 1, 1, 1, 1])).toEqual([2, 3, 7, 9]);
  });

  it("WHEN one order count is most customers in the middle THEN it stays whole and the scores around it still fill", () => {
    // 1 order: 5, 2 orders: 90, 3…6 orders: 5 each: F5 = 5–6 orders is closer to its share (7.5) than 6 alone.
    expect(balancedEdgesFromCounts([1, 2, 3, 4, 5, 6], [5, 90, 5, 5, 5, 5])).toEqual([2, 3, 4, 5]);
  });

  const countsArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 300 });

  it("PROPERTY: with at least five distinct order counts no F score is empty; with fewer, scores 1…k are filled and the rest empty", () => {
    fc.assert(
      fc.property(countsArb, (values) => {
        const edges = balancedFrequencyEdges(values);
        const bins = [0, 0, 0, 0, 0];
        for (const v of values) bins[scoreByEdges(v, edges) - 1]++;
        const k = new Set(values).size;
        bins.forEach((b, i) => expect(b > 0).toBe(i < Math.min(k, 5)));
      }),
    );
  });

  it("PROPERTY: ties are never split, more orders never lower F, and the input order does not matter", () => {
    fc.assert(
      fc.property(countsArb, fc.integer(), (values, seed) => {
        const edges = balancedFrequencyEdges(values);
        const shuffled = [...values].sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        expect(balancedFrequencyEdges(shuffled)).toEqual(edges);
        const scoreOf = new Map<number, number>();
        for (const v of values) {
          const score = scoreByEdges(v, edges);
          expect(scoreOf.get(v) ?? score).toBe(score);
          scoreOf.set(v, score);
        }
        const sorted = [...scoreOf.entries()].sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i][1]).toBeGreaterThanOrEqual(sorted[i - 1][1]);
        // Every edge is an order count some customer has (or unreachable).
        for (const e of edges) if (Number.isFinite(e)) expect(values).toContain(e);
      }),
    );
  });

  it("PROPERTY: scoreMetrics scores F by the balanced edges and reports them; wide-ranging counts (sorted, not counted) agree", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5_000_000 })), { minLength: 1, maxLength: 120 }), (values) => {
        const rows = values.map((orders, i) => ({ days: i, orders, spend: 1 }));
        const { f, report } = scoreRows(rows, balanced);
        const edges = balancedFrequencyEdges(values);
        expect(report.f.edges).toEqual(edges.map((e) => (Number.isFinite(e) ? e : null)));
        values.forEach((v, i) => expect(f[i]).toBe(scoreByEdges(v, edges)));
      }),
    );
  });
});

describe("GIVEN edges WHEN a merchant reads what each score means", () => {
  it("THEN R reads in days since the last order, fewest days best, ties between edges leaving a score empty", () => {
    expect(scoreRanges("r", [33, 90, 181, 297])).toEqual([
      { from: 297, to: null },
      { from: 181, to: 296 },
      { from: 90, to: 180 },
      { from: 33, to: 89 },
      { from: 0, to: 32 },
    ]);
    expect(scoreRanges("r", [10, 10, 20, 30])[3]).toBeNull();
    expect(scoreRanges("r", [null, null, null, null])).toEqual([null, null, null, null, null]);
  });

  it("THEN F reads in orders from one up and M in minor units from any spend up; unreachable scores are null", () => {
    expect(scoreRanges("f", [2, 3, 4, 6])).toEqual([
      { from: 1, to: 1 },
      { from: 2, to: 2 },
      { from: 3, to: 3 },
      { from: 4, to: 5 },
      { from: 6, to: null },
    ]);
    expect(scoreRanges("f", [2, 3, null, null])).toEqual([{ from: 1, to: 1 }, { from: 2, to: 2 }, { from: 3, to: null }, null, null]);
    expect(scoreRanges("m", [2000, 5000, 9850, 15112])).toEqual([
      { from: null, to: 1999 },
      { from: 2000, to: 4999 },
      { from: 5000, to: 9849 },
      { from: 9850, to: 15111 },
      { from: 15112, to: null },
    ]);
    // A merchant's fractional edge: whole values from ⌈edge⌉.
    expect(scoreRanges("m", [1999.5, 5000, 9850, 15112])[1]).toEqual({ from: 2000, to: 4999 });
  });

  it("PROPERTY: every whole value falls in the range of exactly the score the edges give it", () => {
    const edgesArb = fc
      .uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 4, maxLength: 4 })
      .map((e) => [...e].sort((a, b) => a - b) as unknown as Edges);
    fc.assert(
      fc.property(edgesArb, fc.integer({ min: 0, max: 80 }), (edges, x) => {
        const inRange = (r: { from: number | null; to: number | null } | null) =>
          r !== null && (r.from === null || x >= r.from) && (r.to === null || x <= r.to);
        const r = scoreRanges("r", edges);
        expect(r.findIndex(inRange) + 1).toBe(recencyScoreByEdges(x, edges));
        expect(r.filter(inRange)).toHaveLength(1);
        const m = scoreRanges("m", edges);
        expect(m.findIndex(inRange) + 1).toBe(scoreByEdges(x, edges));
        expect(m.filter(inRange)).toHaveLength(1);
      }),
    );
  });
});
