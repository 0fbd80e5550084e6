/**
 * The RFM engine: counted orders in, a score and a persona per customer out.
 *
 *   scoreCustomers(orders, settings, asOf)        canonical orders → rules → metrics → scores → personas
 *   scoreCountedOrders(columns, settings, asOf)   the same from counted orders already in columns
 *                                                 (what a database-backed recompute loads), no objects per customer
 */
import { windowStartDay } from "./days";
import { shopDayOf } from "./zoned-days";
import {
  computeMetrics,
  countedOrderColumns,
  customerMetrics,
  type CountedOrderColumns,
  type CustomerMetricColumns,
  type CustomerMetrics,
  type ScoringBuffers,
} from "./metrics";
import type { CanonicalOrder } from "./order";
import { compilePersonaMap, personaRulesFor, type Persona, type Score } from "./personas";
import { applyRules, type RulesReport } from "./rules";
import { scoreMetrics, type ScoringReport } from "./scoring";
import type { RfmSettings } from "./settings";

/** persona[c] for a customer without any counted order: no persona (and any old persona tag goes). */
export const NO_PERSONA = 255;

export interface LookbackWindowReport {
  asOfDay: number;
  lookbackDays: number | null;
  /** First day inside the window (null = all time). */
  startDay: number | null;
  ordersInWindow: number;
  ordersBeforeWindow: number;
  /** Ignored: a score as of a past day must not see later orders. */
  ordersAfterAsOf: number;
  customersInWindow: number;
  /** Counted orders all before the window: R = 1, F and M from those orders, persona from the map. */
  customersBeforeWindow: number;
  /** Customers passed in without any counted order up to the as-of day: no persona. */
  customersWithoutPersona: number;
}

export interface PersonaCount {
  slug: string;
  name: string;
  color: string;
  customers: number;
  /** Counted orders of those customers (window orders; pre-window ones for customers outside the window). */
  orders: number;
  revenueMinor: number;
}

export interface ScoreReport {
  window: LookbackWindowReport;
  scoring: ScoringReport;
  /** One row per persona of the map, in map order, zero counts included. */
  personas: PersonaCount[];
}

/** Scores in columns: index c is customer c of the input columns. */
export interface ScoredCustomerColumns {
  customerCount: number;
  metrics: CustomerMetricColumns;
  /** 1–5, 0 when the customer has no counted order. */
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  fm: Uint8Array | null;
  /** Index into `personas`, NO_PERSONA when the customer has no counted order. */
  persona: Uint8Array;
  personas: readonly Persona[];
  report: ScoreReport;
}

/**
 * Scores customers from counted orders in columns. The counting rules are assumed
 * applied already, except the lookback window, which depends on the as-of day and is
 * applied here (settings.rules.lookbackDays).
 */
export function scoreCountedOrders(
  columns: CountedOrderColumns,
  settings: RfmSettings,
  asOf: Date,
  options: {
    /** The shop's time zone, as given to applyRules. */ timeZone?: string | null;
    /** Arrays to score into, for callers scoring the same customers many times (see ScoringBuffers). */
    buffers?: ScoringBuffers;
    /** The columns' metrics as of that day, when the caller has them (the history's sweep). */
    metrics?: CustomerMetricColumns;
  } = {},
): ScoredCustomerColumns {
  const asOfDay = shopDayOf(options.timeZone)(asOf);
  const startDay = windowStartDay(asOfDay, settings.rules.lookbackDays);
  const metrics = options.metrics ?? computeMetrics(columns, asOfDay, startDay, options.buffers);
  const scores = scoreMetrics(metrics, settings.scoring, options.buffers);
  const map = compilePersonaMap(personaRulesFor(settings.personas));

  const { customerCount, inWindow, frequency, monetaryMinor } = metrics;
  const { r, f, m } = scores;
  const persona = options.buffers?.uint8("persona", customerCount) ?? new Uint8Array(customerCount);
  const { cells } = map;
  const personaCustomers = new Float64Array(map.personas.length);
  const personaOrders = new Float64Array(map.personas.length);
  const personaRevenue = new Float64Array(map.personas.length);
  let customersInWindow = 0;
  let customersBeforeWindow = 0;
  let customersWithoutPersona = 0;
  for (let c = 0; c < customerCount; c++) {
    if (frequency[c] === 0) {
      persona[c] = NO_PERSONA;
      customersWithoutPersona++;
      continue;
    }
    // Everyone goes through the map, customers whose orders all predate the window too (with
    // R = 1): the same RFM code always means the same persona (decision 024).
    const p = cells[(r[c] - 1) * 25 + (f[c] - 1) * 5 + (m[c] - 1)]; // cellIndex, inlined for the hot loop
    if (inWindow[c] === 1) customersInWindow++;
    else customersBeforeWindow++;
    persona[c] = p;
    personaCustomers[p]++;
    personaOrders[p] += frequency[c];
    personaRevenue[p] += monetaryMinor[c];
  }
  const counts: PersonaCount[] = map.personas.map((p, i) => ({
    slug: p.slug,
    name: p.name,
    color: p.color,
    customers: personaCustomers[i],
    orders: personaOrders[i],
    revenueMinor: personaRevenue[i],
  }));

  return {
    customerCount,
    metrics,
    r,
    f,
    m,
    fm: scores.fm,
    persona,
    personas: map.personas,
    report: {
      window: {
        asOfDay,
        lookbackDays: settings.rules.lookbackDays,
        startDay,
        ordersInWindow: metrics.orders.inWindow,
        ordersBeforeWindow: metrics.orders.beforeWindow,
        ordersAfterAsOf: metrics.orders.afterAsOf,
        customersInWindow,
        customersBeforeWindow,
        customersWithoutPersona,
      },
      scoring: scores.report,
      personas: counts,
    },
  };
}

/**
 * Customers whose R, F or M (or FM composite) would differ had they been scored by `edges`,
 * fixed, rather than by the edges they were scored by: the rows to look at again when stored
 * scores were given under other edges (decision 059). `edges` as a scoring report gives them:
 * null for a score no value reaches (+Infinity; all four R edges null: nobody in the window,
 * -Infinity).
 */
export function customersMovedByEdges(
  scored: ScoredCustomerColumns,
  scoring: RfmSettings["scoring"],
  edges: Record<"r" | "f" | "m", readonly (number | null)[]>,
): number[] {
  const finite = (e: readonly (number | null)[], gap: number) => e.map((x) => x ?? gap);
  const fixed = {
    r: finite(edges.r, edges.r.every((x) => x === null) ? -Infinity : Infinity),
    f: finite(edges.f, Infinity),
    m: finite(edges.m, Infinity),
  };
  const other = scoreMetrics(scored.metrics, { ...scoring, mode: "edges", edges: fixed as never });
  const moved: number[] = [];
  for (let c = 0; c < scored.customerCount; c++) {
    if (scored.metrics.frequency[c] === 0) continue;
    if (other.r[c] !== scored.r[c] || other.f[c] !== scored.f[c] || other.m[c] !== scored.m[c] || (other.fm !== null && scored.fm !== null && other.fm[c] !== scored.fm[c])) moved.push(c);
  }
  return moved;
}

export interface ScoredCustomer {
  customerKey: string;
  metrics: CustomerMetrics;
  r: Score;
  f: Score;
  m: Score;
  /** Weighted FM composite, when the merchant configured weights. */
  fm: Score | null;
  /** Persona slug. */
  persona: string;
  /** False when every counted order lies before the lookback window (R = 1 whatever the map, shown as "outside the window"). */
  inLookbackWindow: boolean;
}

export interface RfmReport extends ScoreReport {
  rules: RulesReport;
}

export interface RfmResult {
  /** Every customer with at least one counted order, in order of first appearance. */
  customers: ScoredCustomer[];
  report: RfmReport;
}

/**
 * Scores a shop from its canonical orders. Customers who have orders but none that
 * count are not in `customers`; `report.rules` says which rules removed them.
 */
export function scoreCustomers(
  orders: Iterable<CanonicalOrder>,
  settings: RfmSettings,
  asOf: Date,
  options: { timeZone?: string | null } = {},
): RfmResult {
  const { counted, report: rules } = applyRules(orders, settings.rules, asOf, options);
  const { columns, customerKeys } = countedOrderColumns(counted);
  const scored = scoreCountedOrders(columns, settings, asOf, options);
  const customers: ScoredCustomer[] = [];
  for (let c = 0; c < scored.customerCount; c++) {
    const metrics = customerMetrics(scored.metrics, c);
    // Stryker disable next-line ConditionalExpression: unreachable, every key came from a counted order
    if (!metrics) continue; // cannot happen: every key came from a counted order
    customers.push({
      customerKey: customerKeys[c],
      metrics,
      r: scored.r[c] as Score,
      f: scored.f[c] as Score,
      m: scored.m[c] as Score,
      fm: scored.fm ? (scored.fm[c] as Score) : null,
      persona: scored.personas[scored.persona[c]].slug,
      inLookbackWindow: scored.metrics.inWindow[c] === 1,
    });
  }
  return { customers, report: { ...scored.report, rules } };
}
