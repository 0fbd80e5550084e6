/**
 * The engine on the CDNOW purchase log (69,659 purchase lines, 23,570 customers): real
 * data at a realistic size. Run by `npm test`; left out of `npm run test:mutation`
 * (vitest.mutation.config.ts), where the same code is reached by the small fixtures and
 * properties beside each module, and a data set this size through instrumented code
 * would cost seconds per mutant.
 */
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { scoreCountedOrders } from "./engine";
import { computeMetrics } from "./metrics";
import { parseOrderTable } from "./order-table";
import { scoreMetrics } from "./scoring";
import { DEFAULT_SETTINGS, parseSettings, type RfmSettings } from "./settings";
import { summarizePersonas } from "./summary";
import { utcDay, windowStartDay } from "./days";
import { datasetPath, loadCdnow } from "./test/fixtures";

const settingsWith = (input: unknown): RfmSettings => {
  const parsed = parseSettings(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
};

describe("GIVEN the CDNOW log (whitespace, YYYYMMDD, CRLF)", () => {
  it("WHEN parsed with auto-detection THEN 69,659 rows arrive and the 80 $0 rows don't count", () => {
    const parsed = parseOrderTable(readFileSync(datasetPath("cdnow_master.txt"), "utf8"), { dateColumn: "date", amountColumn: "dollar_value" });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.table.delimiter).toBe("whitespace");
    expect(parsed.table.rows).toBe(69_659);
    expect(parsed.table.skipped.zeroAmount).toBe(80);
    const total = parsed.table.columns.amountMinor.reduce((s, x) => s + x, 0);
    expect(total).toBe(250_031_563);
    expect(parsed.table.columns.day[0]).toBe(utcDay("1997-01-01"));
  });
});

describe("GIVEN the CDNOW purchase log (23,570 customers, all-time window)", () => {
  // Rows are purchase lines; a customer's rows on one day are one shopping trip.
  // Scored in each test (not once for the file) so mutation testing sees which test reaches which code.
  let metrics: ReturnType<typeof computeMetrics>;
  let f: Uint8Array;
  let report: ReturnType<typeof scoreMetrics>["report"];
  beforeEach(() => {
    const { columns } = loadCdnow({ sameDayAsOne: true });
    const asOfDay = Date.UTC(1998, 6, 1) / 86_400_000;
    metrics = computeMetrics(columns, asOfDay, null);
    // The plain tie-safe quintile rule; the default (balanced F) is the next describe.
    ({ f, report } = scoreMetrics(metrics, { ...DEFAULT_SETTINGS.scoring, frequency: "quintiles" }));
  });

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

describe("GIVEN the CDNOW purchase log scored with the default balanced F (decision 024)", () => {
  it("WHEN scored over all time or the 365-day window THEN no F score is empty and F reads 1 · 2 · 3 · 4–5 · 6+ orders", () => {
    const { columns } = loadCdnow({ sameDayAsOne: true });
    const asOfDay = Date.UTC(1998, 6, 1) / 86_400_000;
    for (const [startDay, bins] of [
      [null, [11_989, 4_040, 2_203, 2_426, 2_844]],
      [windowStartDay(asOfDay, 365), [3_210, 1_762, 1_060, 1_099, 1_181]],
    ] as const) {
      const { report } = scoreMetrics(computeMetrics(columns, asOfDay, startDay), DEFAULT_SETTINGS.scoring);
      expect(report.f.edges).toEqual([2, 3, 4, 6]);
      expect(report.f.bins.map((b) => b.customers)).toEqual(bins);
    }
  });
});

describe("GIVEN CDNOW scored end to end", () => {
  it("WHEN summarised THEN persona counts add up and medians are sensible", () => {
    const { columns } = loadCdnow({ sameDayAsOne: true });
    const scored = scoreCountedOrders(columns, settingsWith({ rules: { lookbackDays: null } }), new Date("1998-07-01T00:00:00Z"));
    const summary = summarizePersonas(scored);
    expect(summary.reduce((s, p) => s + p.customers, 0)).toBe(23_502);
    const champions = summary.find((p) => p.slug === "champions")!;
    const lost = summary.find((p) => p.slug === "lost")!;
    expect(champions.median.frequency!).toBeGreaterThan(lost.median.frequency!);
    expect(champions.median.recencyDays!).toBeLessThan(lost.median.recencyDays!);
    expect(champions.aovMinor).toBe(Math.round(champions.revenueMinor / champions.orders));
  });
});
