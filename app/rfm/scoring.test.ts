import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeMetrics } from "./metrics";
import {
  compositeScore,
  quintileEdges,
  recencyQuintileEdges,
  recencyScoreByEdges,
  scoreByEdges,
  scoreMetrics,
  type Edges,
} from "./scoring";
import { DEFAULT_SETTINGS, type ScoringSettings } from "./settings";
import { loadCdnow } from "./test/fixtures";

/** The documented rule, written the slow obvious way. */
function rankScore(v: number, all: readonly number[]): number {
  const less = all.filter((x) => x < v).length;
  return Math.floor((5 * less) / all.length) + 1;
}

const quantiles: ScoringSettings = { mode: "quantiles" };

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

describe("GIVEN the CDNOW purchase log (23,570 customers, all-time window)", () => {
  // Rows are purchase lines; a customer's rows on one day are one shopping trip.
  const { columns } = loadCdnow({ sameDayAsOne: true });
  const asOfDay = Date.UTC(1998, 6, 1) / 86_400_000;
  const metrics = computeMetrics(columns, asOfDay, null);
  const { f, report } = scoreMetrics(metrics, DEFAULT_SETTINGS.scoring);

  it("WHEN frequency is scored THEN every one-day customer (about half) shares one F score", () => {
    const oneDay = [...metrics.frequency].filter((x) => x === 1).length;
    // 23,570 customers in the file; 68 bought only $0 items and have no counted order.
    expect(metrics.customerCount).toBe(23_502);
    expect(oneDay / metrics.customerCount).toBeGreaterThan(0.5);
    const fOfOneDay = new Set<number>();
    for (let c = 0; c < metrics.customerCount; c++) if (metrics.frequency[c] === 1) fOfOneDay.add(f[c]);
    expect([...fOfOneDay]).toEqual([1]);
    expect(report.f.bins[0].customers).toBe(oneDay);
  });

  it("WHEN the bins are reported THEN they are uneven, the skipped F scores are empty, and all customers are accounted for", () => {
    // Over 40 % have F = 1, so the cut for score 2 falls inside them: nobody gets 2.
    expect(report.f.bins[1].customers).toBe(0);
    expect(report.f.edges[0]).toBe(report.f.edges[1]);
    expect(report.f.bins.map((b) => b.customers)).toEqual([11_989, 0, 4_040, 3_638, 3_835]);
    for (const dim of [report.r, report.f, report.m]) {
      expect(dim.bins.reduce((s, b) => s + b.customers, 0)).toBe(23_502);
    }
  });

  it("WHEN scores are compared with the rank rule on the raw values THEN they agree for every customer", () => {
    const sortedF = Float64Array.from(metrics.frequency).sort();
    const lessThan = (sorted: Float64Array, v: number) => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (let c = 0; c < metrics.customerCount; c += 37) {
      expect(f[c]).toBe(Math.floor((5 * lessThan(sortedF, metrics.frequency[c])) / metrics.customerCount) + 1);
    }
  });
});
